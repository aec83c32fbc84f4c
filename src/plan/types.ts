/** What the planner decides for one destination tag. */
export type PlanAction = 'copy' | 'update' | 'unchanged' | 'kept' | 'delete';

export interface PlanItem {
  rule: string;
  /** Source repository path (no registry host), e.g. `library/nginx`. Absent for a delete. */
  sourceRepository?: string;
  /** Destination repository path after mapping. */
  destinationRepository: string;
  tag: string;
  action: PlanAction;
  /** Digest at the source (absent for a delete). */
  sourceDigest?: string;
  /** Digest at the destination before this run (absent for a copy). */
  destinationDigest?: string;
  /** Why, when not obvious (kept: override off; delete refused: shared digest...). */
  reason?: string;
  /**
   * delete only: destination tags that stay after this run and point at the same digest. Deleting
   * the manifest by digest would take them along, so the executor must delete by tag (where the
   * provider can) or skip.
   */
  sharedWithKept?: string[];
}

export interface RulePlan {
  rule: string;
  items: PlanItem[];
  /** Set when the rule's deletions were refused as a whole (cap exceeded, listing failed...). */
  deletionsRefused?: string;
  /** Warnings to show (kept tags, delete on match-all...). */
  warnings: string[];
}

export interface Plan {
  /** true for a dry run / `ferry plan`: nothing will be executed. */
  dryRun: boolean;
  rules: RulePlan[];
}
