terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial configuration: bucket, region and kms_key_id come from the bootstrap outputs at init time
  #   terraform init -backend-config=backend.hcl
  # Locking uses a lock object next to the state (Terraform >= 1.11), not DynamoDB.
  backend "s3" {
    key          = "user-api/release/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
