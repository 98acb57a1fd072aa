# tflint configuration for every Terraform root and module (run with --recursive from terraform/,
# passing this file by absolute path). The AWS ruleset catches invalid instance types, regions,
# ARNs and deprecated arguments that `terraform validate` accepts.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  version = "0.48.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}
