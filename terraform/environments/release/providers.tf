provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(var.tags, {
      Project     = "user-api"
      Environment = "release"
      ManagedBy   = "terraform"
    })
  }
}
