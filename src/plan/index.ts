export {
  deletionScope,
  type PlanContext,
  type PlannedRule,
  planRule,
  REFERRER_TAG,
  type RepoInput,
  type SourceTag,
} from './plan.js';
export { parseShard, type Shard, type ShardSpec, type ShardUnit, shardUnits } from './shard.js';
export type { Plan, PlanAction, PlanItem, PlanWhy, RulePlan } from './types.js';
