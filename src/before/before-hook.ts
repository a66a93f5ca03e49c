/**
 * The `before` hook both scenarios share. It runs once, in Artillery's main
 * thread, before any virtual user exists; a refusal here ends the process
 * with exit code 2 and one clear message, before any load is sent.
 */
import type { VUContext } from 'artillery';
import { redact, secretsFromEnv } from '../api/credentials.ts';
import { peakConcurrency } from '../load/model.ts';
import { publishRunAccess, publishRunInfo } from './info.ts';
import { banner, expectedPeakRate, type FlowName, prepareRun } from './setup.ts';
import { type RunVars, vuSettingsOf } from '../user/vu-runtime.ts';
import { EXIT } from '../verdict/exit-codes.ts';


/**
 * The profile's time zero. Artillery copies the before hook's variables to
 * its workers with JSON.stringify at the moment it tells them to run, after
 * loading them (seconds later); a toJSON that reads the clock then puts
 * time zero at the start of the first phase rather than at this hook.
 */
function epochAtHandOver(): number {
  let taken: number | undefined;
  const epoch = {
    toJSON(): number {
      taken ??= Date.now();
      return taken;
    },
    valueOf(): number {
      return taken ?? Date.now();
    },
  };
  return epoch as unknown as number;
}

export function makeBeforeHook(scenario: FlowName): (context: VUContext) => Promise<void> {
  return async function prepareRunHook(context: VUContext): Promise<void> {
    try {
      const plan = await prepareRun({
        scenario,
        environment: context.vars.$environment,
        scenarioFile: context.vars.$scenarioFile,
        profileName: context.vars.luneoProfile,
        stagesText: context.vars.luneoStages,
      });
      console.log(banner(plan));
      const s = plan.settings;
      const vars: RunVars = {
        luneoBaseUrl: s.baseUrl,
        luneoWidgetUrl: s.widgetUrl,
        luneoDialect: s.dialect,
        luneoEpochMs: epochAtHandOver(),
        luneoStages: String(context.vars.luneoStages),
        luneoSettings: JSON.stringify(vuSettingsOf(s)),
      };
      if (plan.session) vars.luneoSession = plan.session;
      publishRunInfo({
        scenario,
        environment: s.environment,
        dialect: s.dialect,
        baseUrl: s.baseUrl,
        widgetUrl: s.widgetUrl,
        profile: plan.profileName,
        stages: vars.luneoStages,
        peakUsers: peakConcurrency(plan.stages),
        expectedPeakRate: Math.round(expectedPeakRate(scenario, s, plan.stages)),
        get epochMs() {
          return Number(vars.luneoEpochMs);
        },
      });
      publishRunAccess({ deployment: s.deployment, rateLimit: s.rateLimit });
      Object.assign(context.vars, vars);
    } catch (err) {
      console.error(`\nluneo-load-tests: ${redact((err as Error).message, secretsFromEnv())}\n`);
      process.exit(EXIT.config);
    }
  };
}
