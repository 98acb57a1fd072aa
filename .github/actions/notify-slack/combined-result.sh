#!/usr/bin/env bash
# Prints the combined result of a run's jobs from NEEDS_JSON (the `needs` context as JSON):
# failure if any job failed, else cancelled if any was cancelled, else success. Skipped jobs
# count as success: a pull request skips the deployment by design.
set -euo pipefail

jq -r '
  [.[].result] as $results
  | if ($results | index("failure")) then "failure"
    elif ($results | index("cancelled")) then "cancelled"
    else "success"
    end
' <<<"${NEEDS_JSON:?NEEDS_JSON must hold the needs context as JSON}"
