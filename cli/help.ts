import type { Command } from './args';
import { SIMULATE_USAGE } from './commands/simulate';

const CONNECTION = `Connection:
  -c, --config FILE     config file (default: AUTOSCALER_CONFIG, else ./config.yaml, else config.example.yaml)
  --endpoint URL        send every connection's requests here (e.g. the emulator); overrides the config
  --state memory|file   where history and leases live (default: the config's state, a file)
  --pool NAME           only this pool (repeatable); read with one GET each
Credentials come from the environment, never the config: HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
HUAWEICLOUD_SDK_SECURITY_TOKEN (temporary keys) for AK/SK; AUTOSCALER_IAM_PASSWORD for IAM token auth.`;

const COMMON = `Output:
  --json                machine-readable output
  -q, --quiet           only changes and errors
  -v, --verbose         more detail; stack traces on errors
Colour and tables only on a terminal; NO_COLOR turns colour off.`;

const USAGE: Record<Command | 'main', string> = {
  main: `Usage: modelarts-autoscaler <command> [options]

Queue-driven autoscaler for Huawei Cloud ModelArts dedicated resource pools.

Commands:
  plan                  show what one cycle would change; exit 0 nothing, 2 changes, 1 error
  apply                 run one cycle for real (asks first on a terminal; --yes otherwise)
  run                   run a cycle every --interval seconds until Ctrl-C
  emulator              start the local ModelArts emulator
  config validate|schema  check a config file / print its JSON Schema
  demo                  the guided tour on the embedded emulator (npm start)
  simulate              replay a job trace or scenario through the planner; --compare with baselines
  state reset --pool K  clear a pool's stored history (one the autoscaler reports it cannot read)
  doctor --pool NAME    check permissions, answers and clock for one pool; run before idle-node scale-in

Run "modelarts-autoscaler <command> --help" for a command's options.`,
  plan: `Usage: modelarts-autoscaler plan [options]

A dry run of one cycle for the config's pools: a table per pool and flavor (current -> target, per AZ,
action, reasons); piped, a header row and a line per flavor. Nothing is patched and no state is written.
Exit code: 0 nothing would change, 2 changes, 1 error (like terraform plan -detailed-exitcode).

${CONNECTION}

${COMMON}`,
  apply: `Usage: modelarts-autoscaler apply [options]

One cycle for real: shows the plan, asks for confirmation on a terminal, then patches.
  -y, --yes             do not ask (required when stdin is not a terminal)

${CONNECTION}

${COMMON}`,
  run: `Usage: modelarts-autoscaler run [options]

A cycle every N seconds until SIGINT/SIGTERM, a line per decision; when it stops, a summary on stderr.
A failed cycle is reported and the next one runs. With a file state, one run at a time: a second one on the
same file is refused while the first one's heartbeat (STATE.holder) is fresh.
  --interval SECONDS    time between cycles (default: the config's intervalSeconds)
  --max-cycles N        stop after N cycles
  --dry-run             plan only, patch nothing
  --health-port N       serve /healthz and /readyz on this port (AUTOSCALER_HEALTH_PORT; default none, 0: none)
  --health-host HOST    the address to serve them on (AUTOSCALER_HEALTH_HOST; default 127.0.0.1)
  --ready-intervals N   /readyz is 200 while a cycle succeeded within N intervals (default 3), else 503
  --kill-switch-file F  no PATCH, drain or delete while F exists (empty, or "on"); read before every write
                        (AUTOSCALER_KILL_SWITCH_FILE)
AUTOSCALER_JSON_LINES=true does what --json does: one decision record per line on stdout.

${CONNECTION}

${COMMON}`,
  emulator: `Usage: modelarts-autoscaler emulator [options]

Starts the ModelArts Pool API emulator until SIGINT/SIGTERM.
  --seed FILE           seed pools (JSON array; default the bundled emulator/seed/pools.json)
  --port N              default 8787 (0: any free port)
  --host HOST           default 127.0.0.1
  --auth open|verify    verify: AK/SK signatures must match HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK
  --transition-ms N     how long nodes take to be created or deleted (default 30000)

${COMMON}`,
  config: `Usage: modelarts-autoscaler config validate [FILE]
       modelarts-autoscaler config schema

validate: checks a config file (default as --config) and lists every problem by path; exit 0 or 1.
schema:   prints the config's JSON Schema (what config.schema.json holds).
  -c, --config FILE     the file to validate when none is given`,
  demo: `Usage: modelarts-autoscaler demo [--cycles N] [--fast]   (npm start)

Starts the emulator in this process and runs the autoscaler against it for a few minutes of simulated
time: a dry run, a queue growing and draining, and pools the autoscaler must leave alone.
  --cycles N            stop after N scaling cycles (default 20)
  --fast                no pause between cycles`,
  simulate: SIMULATE_USAGE,
  doctor: `Usage: modelarts-autoscaler doctor --pool NAME [options]

Reads everything the autoscaler reads for one pool and reports one line per check (ok, warn, refused,
missing, failed, skipped) with the reason: permission for the pools list and get, the node list, the
workloads hostip read, batch-drain, batch-delete and the flavor stock; whether each answer parses; the
clock skew against the gateway's Date header. Drain and delete are probed by naming a node that does not
exist: nothing is changed. Exit code: 0 when everything the autoscaler needs works, else 1.
  --pool NAME           the pool (its metadata.name)
  --connection NAME     the config's connection to use (default: the one of the pool's config entry, or the
                        only connection)
  --probe-scale-in      on a pool you can spare: drain and delete ONE idle node, then read the pool back and
                        say whether its count dropped by itself (never PATCHes); asks you to type the pool
                        name on a terminal
  --confirm NAME        the pool name, instead of typing it (required when stdin is not a terminal)
  -c, --config FILE     config file (as for plan)
  --endpoint URL        send the requests here (e.g. the emulator); overrides the config
  --json                the checks as JSON
Credentials come from the environment, as for plan.`,
  state: `Usage: modelarts-autoscaler state reset --pool <project>/<pool> [--pool ...]

Removes the pools' history items from the config's state store (--state memory|file overrides it). For an
item the autoscaler reports it cannot read; the next cycle starts the pool's history afresh.
  -c, --config FILE     the config whose state store to use
  --pool KEY            <project>/<pool> (a bare pool name when the config has one project)`,
};

export const usage = (command?: Command): string => `${USAGE[command ?? 'main']}\n`;
