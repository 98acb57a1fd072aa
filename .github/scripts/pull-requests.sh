#!/usr/bin/env bash
# Sourced by the scripts that open pull requests (open-promotion-pr.sh, propose-lock-files.sh).
#
# GitHub refuses pull requests opened with the workflow's own GITHUB_TOKEN unless the repository
# setting "Allow GitHub Actions to create and approve pull requests" is on (Settings -> Actions ->
# General -> Workflow permissions); a GitHub App or fine-grained token with pull-requests: write,
# stored as the secret PROMOTION_TOKEN, needs no setting and also lets the new pull request run its
# checks. Without either, create_pull_request says so in one message naming both, then, with
# ON_REFUSAL=warn, ends the step green with a warning (a repository without the setting must not see
# every run turn red) or, by default, fails the step.
#
# Needs: GH_TOKEN, GH_REPO; USING_PROMOTION_TOKEN=true when GH_TOKEN is PROMOTION_TOKEN.

# create_pull_request BASE HEAD TITLE BODY
create_pull_request() {
  local base=$1 head=$2 title=$3 body=$4 output
  if [ "${USING_PROMOTION_TOKEN:-false}" != true ]; then
    echo "::notice title=Pull request with GITHUB_TOKEN::Opening $head -> $base with the workflow's GITHUB_TOKEN: it needs the repository setting \"Allow GitHub Actions to create and approve pull requests\", and the pull request will not run its checks. Set the secret PROMOTION_TOKEN for both (docs/delivery.md)."
  fi
  if output=$(gh pr create --repo "$GH_REPO" --base "$base" --head "$head" --title "$title" --body "$body" 2>&1); then
    printf '%s\n' "$output"
    return 0
  fi
  if ! grep -qi 'not permitted to create or approve pull requests' <<<"$output"; then
    printf '%s\n' "$output" >&2
    return 1
  fi
  local message="GitHub refused to let GITHUB_TOKEN open the pull request $head -> $base. Turn on Settings -> Actions -> General -> Workflow permissions -> \"Allow GitHub Actions to create and approve pull requests\", or store a GitHub App or fine-grained token with pull-requests: write as the secret PROMOTION_TOKEN (docs/delivery.md). Meanwhile open it by hand: gh pr create --base $base --head $head"
  if [ "${ON_REFUSAL:-fail}" = warn ]; then
    echo "::warning title=Pull request not opened::$message"
    return 0
  fi
  echo "::error title=Pull request not opened::$message" >&2
  return 1
}
