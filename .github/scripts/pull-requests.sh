#!/usr/bin/env bash
# Sourced by the scripts that open pull requests or write files through the GitHub API
# (open-promotion-pr.sh, propose-terraform-outputs.sh, pin-image.sh, propose-lock-files.sh).
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

# Writes one file of the repository through GitHub's contents API, as one commit on BRANCH: no
# clone, no push credentials, and nothing but that file can change. Prints nothing and returns 3
# when BRANCH already has exactly this content; retries when the file changed between reading it
# and writing it (HTTP 409), so a concurrent commit is never overwritten blindly.
# write_file BRANCH PATH LOCAL_FILE MESSAGE
write_file() {
  local branch=$1 path=$2 local_file=$3 message=$4 attempt current blob arguments output
  for attempt in 1 2 3; do
    blob=""
    if current=$(gh api "repos/$GH_REPO/contents/$path?ref=$branch" 2>&1); then
      blob=$(jq -r '.sha' <<<"$current")
      if jq -r '.content' <<<"$current" | base64 --decode | cmp --silent - "$local_file"; then
        return 3
      fi
    elif ! grep -q 'HTTP 404' <<<"$current"; then
      printf '%s\n' "$current" >&2
      return 1
    fi
    arguments=(--method PUT "repos/$GH_REPO/contents/$path" -f "message=$message" -f "branch=$branch"
      -f "content=$(base64 --wrap=0 <"$local_file")")
    [ -n "$blob" ] && arguments+=(-f "sha=$blob")
    if output=$(gh api "${arguments[@]}" --jq '.commit.sha' 2>&1); then
      echo "$path on $branch: commit $output"
      return 0
    fi
    if ! grep -q 'HTTP 409' <<<"$output"; then
      printf '%s\n' "$output" >&2
      return 1
    fi
    echo "$path changed on $branch while it was written (attempt $attempt); reading it again"
  done
  echo "$path kept changing on $branch; giving up" >&2
  return 1
}

# Proposes LOCAL_FILE as PATH in a pull request into main from BRANCH, a branch made afresh from
# main's head on every call (an open pull request then shows the newest proposal), unless main
# already has exactly that content. Pull requests opened with GITHUB_TOKEN run no checks: see
# create_pull_request.
# propose_file BRANCH PATH LOCAL_FILE TITLE BODY
propose_file() {
  local branch=$1 path=$2 local_file=$3 title=$4 body=$5 head existing status=0
  if gh api "repos/$GH_REPO/contents/$path?ref=main" --jq '.content' | base64 --decode | cmp --silent - "$local_file"; then
    echo "main already has this $path; nothing to propose"
    return 0
  fi
  head=$(gh api "repos/$GH_REPO/git/ref/heads/main" --jq '.object.sha')
  if ! gh api --method POST "repos/$GH_REPO/git/refs" -f "ref=refs/heads/$branch" -f "sha=$head" >/dev/null 2>&1; then
    gh api --method PATCH "repos/$GH_REPO/git/refs/heads/$branch" -f "sha=$head" -F force=true >/dev/null
  fi
  write_file "$branch" "$path" "$local_file" "$title" || status=$?
  [ "$status" -eq 0 ] || [ "$status" -eq 3 ] || return "$status"
  existing=$(gh pr list --repo "$GH_REPO" --base main --head "$branch" --state open --json url --jq '.[0].url // ""')
  if [ -n "$existing" ]; then
    echo "pull request updated: $existing"
    return 0
  fi
  create_pull_request main "$branch" "$title" "$body"
}
