terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # The backend cannot store its own first state: this root starts with local state. After the first
  # apply, optionally move it into the bucket it created (README, "Bootstrap").
}
