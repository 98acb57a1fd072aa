#!/usr/bin/env bash
# Reads the quality gate of the analysis the SonarQube scan action just uploaded, from the task
# file the scanner leaves behind, through SonarQube's Web API (the same on SonarQube Cloud and on a
# server). Writes `quality-gate` (PASSED, FAILED or NONE when the project has no gate) and
# `dashboard-url` to $GITHUB_OUTPUT for the Slack message, the result and every failed condition to
# $GITHUB_STEP_SUMMARY, and exits 1 unless the gate passed.
#   SONAR_TOKEN=... sonar-quality-gate.sh [.scannerwork/report-task.txt]
# SONAR_POLL_SECONDS (300) bounds the wait for SonarQube to finish processing the analysis.
set -euo pipefail

report=${1:-.scannerwork/report-task.txt}
: "${SONAR_TOKEN:?SONAR_TOKEN must hold a SonarQube token}"
poll_seconds=${SONAR_POLL_SECONDS:-300}
poll_interval=${SONAR_POLL_INTERVAL_SECONDS:-5}
output=${GITHUB_OUTPUT:-/dev/null}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}

if [ ! -s "$report" ]; then
  echo "quality-gate=NONE" >> "$output"
  echo "::error title=SonarQube::$report is missing: the scanner uploaded no analysis (see the scan step)." >&2
  exit 1
fi

# The task file is Java properties written by the scanner: key=value, one per line.
property() { sed -n "s/^$1=//p" "$report" | head -n 1; }
server_url=$(property serverUrl)
dashboard_url=$(property dashboardUrl)
task_url=$(property ceTaskUrl)
if [ -z "$server_url" ] || [ -z "$task_url" ]; then
  echo "quality-gate=NONE" >> "$output"
  echo "::error title=SonarQube::$report has no serverUrl or ceTaskUrl." >&2
  exit 1
fi
echo "dashboard-url=$dashboard_url" >> "$output"

# The token goes to curl through its standard input, never on a command line other processes see.
sonar_get() {
  curl --silent --show-error --fail --max-time 30 --config - "$1" <<<"user = \"$SONAR_TOKEN:\""
}

deadline=$((SECONDS + poll_seconds))
while :; do
  task=$(sonar_get "$task_url")
  task_status=$(jq -r '.task.status' <<<"$task")
  case "$task_status" in
    SUCCESS) break ;;
    PENDING | IN_PROGRESS)
      if [ "$SECONDS" -ge "$deadline" ]; then
        echo "quality-gate=NONE" >> "$output"
        echo "::error title=SonarQube::the analysis was still $task_status after ${poll_seconds}s." >&2
        exit 1
      fi
      sleep "$poll_interval"
      ;;
    *)
      echo "quality-gate=NONE" >> "$output"
      echo "::error title=SonarQube::SonarQube could not process the analysis (task $task_status)." >&2
      exit 1
      ;;
  esac
done

analysis_id=$(jq -r '.task.analysisId' <<<"$task")
project_status=$(sonar_get "$server_url/api/qualitygates/project_status?analysisId=$analysis_id")
case "$(jq -r '.projectStatus.status' <<<"$project_status")" in
  OK) gate=PASSED ;;
  NONE) gate=NONE ;;
  *) gate=FAILED ;;
esac
echo "quality-gate=$gate" >> "$output"

{
  echo "### SonarQube quality gate: $gate"
  echo
  [ -z "$dashboard_url" ] || { echo "[Dashboard]($dashboard_url)"; echo; }
  jq -r '
    [.projectStatus.conditions[]? | select(.status == "ERROR")]
    | if length == 0 then empty else
        "| failed condition | actual | threshold |",
        "| --- | --- | --- |",
        (.[] | "| \(.metricKey) | \(.actualValue // "") | \(.comparator // "") \(.errorThreshold // "") |")
      end
  ' <<<"$project_status"
} >> "$summary"

echo "quality gate: $gate${dashboard_url:+ ($dashboard_url)}"
case "$gate" in
  PASSED) ;;
  NONE) echo "::warning title=SonarQube::the project has no quality gate; assign one (docs/delivery.md)." ;;
  *) exit 1 ;;
esac
