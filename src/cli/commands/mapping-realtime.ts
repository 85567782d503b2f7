import type { Command } from 'commander';
import { switchRealtime } from '../../integration/realtime/realtime-settings.ts';
import { AppError } from '../../shared/errors.ts';
import { mappingNameOf } from '../../sync/mappings/mapping-name.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import { withRuntime } from '../runtime.ts';

/** `kobling mappings realtime MAPPING on|off [--json]` (docs/realtime-and-operations.md). */
export function registerMappingRealtime(mappings: Command, cli: CliEnv): void {
  mappings
    .command('realtime')
    .description(
      "Turn a mapping's real-time propagation on or off (`on` or `off`); says what changed, or that it already was so",
    )
    .argument('<mapping>', 'the mapping (its name in any case)', mappingNameOf)
    .argument('<state>', 'on or off')
    .option('--json', 'print the outcome as JSON')
    .action((name: string, state: string, _opts: unknown, command: Command) =>
      withRuntime(cli, async ({ ctx }) => {
        // `--json` is also an option of `mappings`, which takes it wherever it stands.
        const opts = command.optsWithGlobals<{ json?: boolean }>();
        const said = state.toLowerCase();
        if (said !== 'on' && said !== 'off')
          throw new AppError(
            'validation_failed',
            `Say \`on\` or \`off\`, not '${state}': kobling mappings realtime ${name} on`,
          );
        const r = await switchRealtime(ctx.db, name, said === 'on');
        if (!r.ok) throw AppError.from(r.error);
        printResult(cli, opts.json, r.value, (v) => [v.message]);
      }),
    );
}
