export { countPlan, type PlannedRule, type PlanOptions, planAll, planRule, type RepoInput } from './plan.js';
export { inShard, parseShard, type Shard, type ShardSpec, type ShardUnit, shardUnits } from './shard.js';
export type { Plan, PlanAction, PlanItem, RulePlan } from './types.js';
