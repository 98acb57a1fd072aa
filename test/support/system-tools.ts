// Some checks need a program that the npm registry cannot provide (Debian's shellcheck, jq, curl,
// Ceph's radosgw, Chromium, promtool, terraform). On a machine without one, its tests skip
// themselves with one line naming the install command, so `npm ci && npm test` passes on a machine
// with only Node and npm. `.ci/run` and the GitHub test job install every such program and set
// REQUIRE_SYSTEM_TOOLS=1, which turns each skip into a failure (and makes scripts/run-tests.mjs
// fail a run that skipped anything): CI can never pass by skipping. RADOSGW_REQUIRED=1 is the
// older, radosgw-only form of the same switch.
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

export interface SystemTool {
  /** What the skip message calls it. */
  name: string
  /** Every program that must be on PATH. */
  programs: readonly string[]
  /** The command that installs it on Debian. */
  install: string
}

export const SYSTEM_TOOLS = {
  shellcheck: { name: 'shellcheck', programs: ['shellcheck'], install: 'apt-get install -y shellcheck' },
  // The workflow scripts run with the real jq and curl, as on GitHub's runners.
  jq: { name: 'jq', programs: ['jq'], install: 'apt-get install -y jq' },
  curl: { name: 'curl', programs: ['curl'], install: 'apt-get install -y curl' },
  terraform: {
    name: 'terraform',
    programs: ['terraform'],
    install: 'install Terraform 1.11 from https://developer.hashicorp.com/terraform/install',
  },
  radosgw: {
    name: 'Ceph radosgw',
    programs: ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool', 'ceph'],
    install: 'bash scripts/ci/install-radosgw.sh',
  },
  chromium: { name: 'Chromium', programs: ['chromium'], install: 'apt-get install -y --no-install-recommends chromium' },
  promtool: { name: 'promtool', programs: ['promtool'], install: 'apt-get install -y --no-install-recommends prometheus' },
} as const satisfies Record<string, SystemTool>

export function onPath(program: string, path = process.env.PATH ?? ''): string | undefined {
  for (const directory of path.split(delimiter)) {
    if (directory === '') continue
    const candidate = join(directory, program)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this directory
    }
  }
  return undefined
}

export function systemToolsRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.REQUIRE_SYSTEM_TOOLS === '1'
}

/**
 * `false` when every program of the tool is installed; otherwise the one-line reason to pass as a
 * test's or suite's `skip` option. With REQUIRE_SYSTEM_TOOLS=1 a missing tool throws instead, so
 * the test file fails at load with the same line.
 */
export function skipUnlessInstalled(tools: SystemTool | readonly SystemTool[], env: NodeJS.ProcessEnv = process.env): false | string {
  const reasons = [tools]
    .flat()
    .map((tool) => {
      const missing = tool.programs.filter((program) => onPath(program, env.PATH) === undefined)
      return missing.length === 0 ? undefined : `${tool.name} is not installed (missing ${missing.join(', ')}); install it with: ${tool.install}`
    })
    .filter((reason) => reason !== undefined)
  if (reasons.length === 0) return false
  const reason = reasons.join('; ')
  if (systemToolsRequired(env)) throw new Error(`REQUIRE_SYSTEM_TOOLS=1 but ${reason}`)
  return reason
}
