/** The alarm engine without I/O: the pure evaluator and the occurrence book side by side, with the clock passed in. */
import type { KitConfig } from '../../config/schema.js';
import type { AlarmBody } from '../http/schemas.js';
import { type AlarmInput, type EvalMemory, evaluate, evaluationSetup, initialEvalMemory, type Transition } from './evaluate.js';
import { type AckResult, AlarmBook, type BookJson, type NotifyEvent } from './lifecycle.js';
import { expandRules, type RuleInstance } from './rules.js';

/** Everything that must survive a restart. */
export interface CoreState {
  memory: EvalMemory;
  book: BookJson;
}

export interface CoreStep {
  transitions: Transition[];
  /** raised / cleared / reminder, in order. */
  events: NotifyEvent[];
}

export function createAlarmCore(config: KitConfig, state?: CoreState) {
  const rules: RuleInstance[] = expandRules(config);
  const setup = evaluationSetup(rules, config.calendar, config.kit.timeZone);
  const reminderMs = config.alarms.reminderMinutes * 60_000;
  let memory: EvalMemory = state?.memory ?? initialEvalMemory();
  const book = new AlarmBook(state?.book);
  const ruleOf = (key: string) => setup.byKey.get(key);

  return {
    rules,
    ruleOf,
    book,
    state: (): CoreState => ({ memory, book: book.toJSON() }),
    step(input: AlarmInput, now: number): CoreStep {
      const out = evaluate(setup, memory, input, now);
      memory = out.memory;
      const events: NotifyEvent[] = [];
      for (const t of out.transitions) {
        const event = book.apply(ruleOf(t.key), t);
        if (event) events.push(event);
      }
      if (input.kind === 'tick') events.push(...book.remind(now, reminderMs, ruleOf));
      return { transitions: out.transitions, events };
    },
    acknowledge(id: string, username: string, comment: string | undefined, now: number): AckResult {
      const alarm = book.get(id);
      return book.acknowledge(id, username, comment, now, alarm ? ruleOf(`${alarm.ruleId}/${alarm.target.id}`) : undefined);
    },
    list: (): AlarmBody[] => book.list(),
  };
}

export type AlarmCore = ReturnType<typeof createAlarmCore>;
