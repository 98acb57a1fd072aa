# The issuer of the service's OAuth 2.0 access tokens, optional (cognito_user_pool, off by default):
# an Amazon Cognito user pool with a resource server that defines the service's three scopes
# (src/auth/caller.ts), an app client for machine-to-machine use (client credentials) and, with
# web_page_urls, a public app client for the service's web page (Authorization Code with PKCE). Cognito
# puts each scope in tokens as <resource server identifier>/<scope> and names the app client in
# `client_id` instead of `aud`; the service reads both ways (OIDC_SCOPE_PREFIX, OIDC_AUDIENCE).
# Any other issuer can be given instead as oidc_issuer and oidc_audience.

locals {
  resource_server_identifier = "user-api"
  cognito_domain_prefix      = coalesce(var.cognito_domain_prefix, "${var.name}-${local.account_id}")

  # What the service and the chart are handed (outputs.tf), whichever issuer it is.
  oidc_issuer       = var.cognito_user_pool ? "https://${one(aws_cognito_user_pool.this[*].endpoint)}" : var.oidc_issuer
  oidc_audience     = var.cognito_user_pool ? concat(aws_cognito_user_pool_client.machine[*].id, aws_cognito_user_pool_client.web_page[*].id) : var.oidc_audience
  oidc_scope_prefix = var.cognito_user_pool ? "${local.resource_server_identifier}/" : var.oidc_scope_prefix
  # The client the web page signs people in with; empty: no sign-in on the page.
  web_page_client_id = var.cognito_user_pool ? one(aws_cognito_user_pool_client.web_page[*].id) : var.oidc_web_page_client_id
}

resource "aws_cognito_user_pool" "this" {
  count = var.cognito_user_pool ? 1 : 0

  name                = var.name
  deletion_protection = var.deletion_protection ? "ACTIVE" : "INACTIVE"

  # Threat protection (formerly advanced security) needs the Plus feature plan.
  user_pool_tier = var.cognito_threat_protection ? "PLUS" : "ESSENTIALS"
  dynamic "user_pool_add_ons" {
    for_each = var.cognito_threat_protection ? [1] : []
    content {
      advanced_security_mode = "ENFORCED"
    }
  }

  # The pool serves API clients; people, if any, are added by an administrator, never sign up.
  admin_create_user_config {
    allow_admin_create_user_only = true
  }
  mfa_configuration = "OPTIONAL"
  software_token_mfa_configuration {
    enabled = true
  }
  password_policy {
    minimum_length                   = 14
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 3
  }

  tags = var.tags
}

resource "aws_cognito_resource_server" "this" {
  count = var.cognito_user_pool ? 1 : 0

  user_pool_id = aws_cognito_user_pool.this[0].id
  identifier   = local.resource_server_identifier
  name         = var.name

  scope {
    scope_name        = "users:read"
    scope_description = "List and read users"
  }
  scope {
    scope_name        = "users:write"
    scope_description = "Register users and renew their avatar uploads"
  }
  scope {
    scope_name        = "users:delete"
    scope_description = "Delete users and their avatars"
  }
}

# The token endpoint lives on the pool's domain: https://<prefix>.auth.<region>.amazoncognito.com.
resource "aws_cognito_user_pool_domain" "this" {
  count = var.cognito_user_pool ? 1 : 0

  user_pool_id = aws_cognito_user_pool.this[0].id
  domain       = local.cognito_domain_prefix
}

# Machine to machine: a confidential client that gets tokens with client credentials only. Its
# secret stays in Cognito (and the Terraform state); read it with
# `aws cognito-idp describe-user-pool-client` rather than through an output.
resource "aws_cognito_user_pool_client" "machine" {
  count = var.cognito_user_pool ? 1 : 0

  name         = "${var.name}-machine"
  user_pool_id = aws_cognito_user_pool.this[0].id

  generate_secret                      = true
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["client_credentials"]
  allowed_oauth_scopes                 = aws_cognito_resource_server.this[0].scope_identifiers
  explicit_auth_flows                  = ["ALLOW_REFRESH_TOKEN_AUTH"]
  supported_identity_providers         = ["COGNITO"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true

  access_token_validity = 60
  token_validity_units {
    access_token = "minutes"
  }
}

# The service's web page (web/, served at /): a public client, so no secret (a browser cannot keep
# one); Authorization Code only, for which Cognito requires PKCE from public clients, and only back
# to the page's own URLs. Its tokens name it in client_id, so it is one of the audiences.
resource "aws_cognito_user_pool_client" "web_page" {
  count = var.cognito_user_pool && length(var.web_page_urls) > 0 ? 1 : 0

  name         = "${var.name}-web-page"
  user_pool_id = aws_cognito_user_pool.this[0].id

  generate_secret                      = false
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = aws_cognito_resource_server.this[0].scope_identifiers
  callback_urls                        = var.web_page_urls
  explicit_auth_flows                  = ["ALLOW_REFRESH_TOKEN_AUTH"]
  supported_identity_providers         = ["COGNITO"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true

  access_token_validity = 60
  token_validity_units {
    access_token = "minutes"
  }
}
