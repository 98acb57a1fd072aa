#!/usr/bin/env bash
# Prints the coverage of one test run as Markdown for the job summary ($GITHUB_STEP_SUMMARY): the
# totals against the thresholds `npm test` enforces (.c8rc.json), then every file that is not
# fully covered, weakest first, so a reviewer sees where a change lost coverage without
# downloading the report.
#   coverage-summary.sh TITLE [coverage-summary.json] [.c8rc.json]
set -euo pipefail

title=${1:?usage: coverage-summary.sh TITLE [coverage-summary.json] [.c8rc.json]}
summary=${2:-coverage/coverage-summary.json}
thresholds=${3:-.c8rc.json}

echo "### $title"
echo
if [ ! -s "$summary" ]; then
  # The tests stopped before c8 wrote its report; the test step's log says why.
  echo "No coverage report: the test run did not finish."
  exit 0
fi

jq -r --slurpfile thresholds "$thresholds" --arg root "$PWD/" '
  def pct: "\(.pct)% (\(.covered)/\(.total))";
  $thresholds[0] as $limits
  | (["lines", "branches", "functions", "statements"]) as $metrics
  | "| metric | covered | threshold |",
    "| --- | --- | --- |",
    ($metrics[] as $metric
      | .total[$metric] as $value
      | ($limits[$metric] // 0) as $limit
      | "| \($metric) | \($value | pct) | \($limit)% \(if $value.pct >= $limit then "✅" else "❌" end) |"),
    "",
    ([to_entries[] | select(.key != "total")
      | select(.value.lines.pct < 100 or .value.branches.pct < 100 or .value.functions.pct < 100)]
      | sort_by(.value.branches.pct, .value.lines.pct)
      | if length == 0 then "Every file is fully covered."
        else
          "<details><summary>\(length) files not fully covered</summary>",
          "",
          "| file | lines | branches | functions |",
          "| --- | --- | --- | --- |",
          (.[] | "| `\(.key | ltrimstr($root))` | \(.value.lines.pct)% | \(.value.branches.pct)% | \(.value.functions.pct)% |"),
          "",
          "</details>"
        end)
' "$summary"
