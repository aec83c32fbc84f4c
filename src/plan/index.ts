export { type PlanContext, type PlannedRule, planRule, type RepoInput } from './plan.js';
export { parseShard, parseShares, type Shard, shardOf, type ShardSpec, type ShardUnit, shardUnits } from './shard.js';
export type { Plan, PlanAction, PlanItem, PlanWhy, RulePlan } from './types.js';
