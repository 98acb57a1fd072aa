#!/usr/bin/env bash
# Prints the Slack incoming-webhook payload for one workflow run. Everything comes from the
# environment (see action.yml) and is escaped for Slack's mrkdwn, because branch names and actors
# are chosen by whoever pushes.
set -euo pipefail

: "${RESULT:?}" "${WORKFLOW:?}" "${RUN_NUMBER:?}" "${RUN_URL:?}" "${REPOSITORY:?}" "${BRANCH:?}"
: "${EVENT:?}" "${ACTOR:?}" "${COMMIT:?}" "${COMMIT_URL:?}" "${NEEDS_JSON:?}"

jq -n \
  --arg result "$RESULT" --arg workflow "$WORKFLOW" --arg run_number "$RUN_NUMBER" \
  --arg run_url "$RUN_URL" --arg repository "$REPOSITORY" --arg branch "$BRANCH" \
  --arg event "$EVENT" --arg actor "$ACTOR" --arg commit "$COMMIT" --arg commit_url "$COMMIT_URL" \
  --argjson needs "$NEEDS_JSON" '
  def escape: gsub("&"; "&amp;") | gsub("<"; "&lt;") | gsub(">"; "&gt;");
  def icon: {success: ":white_check_mark:", failure: ":x:", cancelled: ":no_entry_sign:"}[.] // ":grey_question:";
  ($needs | to_entries | map(select(.value.result != "success" and .value.result != "skipped"))
    | map("\(.key): \(.value.result)") | join(", ")) as $problems
  # A job that checks a quality gate (the SonarQube job) says so in its outputs; absent when the
  # analysis did not run (no token, or an earlier job failed).
  | ([$needs[] | .outputs // {} | select((.["quality-gate"] // "") != "")] | first // null) as $gate
  | "\($result | icon) \($workflow | escape) #\($run_number) \($result) on \($branch | escape) (\($repository | escape))" as $summary
  | {
      text: $summary,
      blocks: ([
        {type: "section", text: {type: "mrkdwn", text: "\($result | icon) *<\($run_url)|\($workflow | escape) #\($run_number)>*: \($result)"}},
        {type: "section", fields: ([
          {type: "mrkdwn", text: "*Repository*\n\($repository | escape)"},
          {type: "mrkdwn", text: "*Branch*\n\($branch | escape)"},
          {type: "mrkdwn", text: "*Event*\n\($event | escape)"},
          {type: "mrkdwn", text: "*Actor*\n\($actor | escape)"},
          {type: "mrkdwn", text: "*Commit*\n<\($commit_url)|\($commit[0:12])>"},
          {type: "mrkdwn", text: "*Run*\n<\($run_url)|#\($run_number)>"}
        ] + (if $gate == null then [] else
          [{type: "mrkdwn", text: "*Quality gate*\n\(if ($gate["quality-gate-url"] // "") == "" then ($gate["quality-gate"] | escape)
            else "<\($gate["quality-gate-url"])|\($gate["quality-gate"] | escape)>" end)"}]
        end))}
      ] + (if $problems == "" then [] else
        [{type: "context", elements: [{type: "mrkdwn", text: "Not successful: \($problems | escape)"}]}]
      end))
    }
'
