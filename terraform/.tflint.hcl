# tflint configuration for every root and module under terraform/ (run from this folder):
#   tflint --init && tflint --recursive --config "$PWD/.tflint.hcl"
config {
  call_module_type = "local"
}

# Every built-in Terraform rule: typed and documented variables and outputs, standard module
# structure, naming, no unused declarations, pinned versions.
plugin "terraform" {
  enabled = true
  preset  = "all"
}

plugin "aws" {
  enabled = true
  version = "0.48.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}
