// Shapes of the admin API (internal/api/admin_*.go) and of a site's banner
// config (internal/consent/config.go).
export interface Purpose {
  id: string;
  required?: boolean;
  cookies?: string[];
}
export interface PurposeText {
  title: string;
  description: string;
}
export interface Texts {
  title: string;
  description: string;
  accept_all: string;
  reject_all: string;
  customize: string;
  save: string;
  close: string;
  privacy_policy: string;
  gpc_notice: string;
  purposes: Record<string, PurposeText>;
}
export interface Look {
  layout: "box" | "bar";
  position: "bottom" | "top" | "bottom-left" | "bottom-right";
  background: string;
  text: string;
  accent: string;
}
export interface Config {
  version?: string;
  site: string;
  purposes: Purpose[];
  default_lang: string;
  texts: Record<string, Texts>;
  look: Look;
  lifetime_days: number;
  privacy_policy_url?: string;
}
export interface Version {
  id: string;
  published_at: string;
}
export interface Site {
  id: string;
  name: string;
  origins: string[] | null;
  draft: Config;
  current?: string;
  versions?: Version[];
  retention_months: number;
  created_at: string;
  revision: number;
  embed: string;
}
export interface DayStats {
  day: string;
  decisions: number;
  actions?: Record<string, number>;
  granted?: Record<string, number>;
}
export interface Insights {
  site: string;
  from: string;
  to: string;
  purposes: string[];
  days: DayStats[];
  totals: DayStats;
}
export interface LogEntry {
  id: string;
  receipt: string;
  claims: Record<string, any>;
  verified: boolean;
  kid?: string;
  problem?: string;
  issued_at: string;
  expires_at: string;
}
// GET /admin/sites/{site}/recent: the consent log's newest receipts.
export interface RecentEntry {
  id: string;
  issued_at: string;
  visitor: string;
  action: string;
  choices: Record<string, boolean>;
}
export interface LogResult {
  query: string;
  match: "receipt" | "visitor";
  site: string;
  visitor: string;
  receipts: LogEntry[]; // newest first, at most 100
  total: number; // receipts in the whole chain
  gap?: boolean; // the last receipt is the one searched for, older than the rest
  configs: Record<string, Config>;
}
export interface User {
  name: string;
  role: string;
  created_at: string;
}
export interface Token {
  id: string;
  name: string;
  role: string;
  created_by: string;
  created_at: string;
  token?: string;
}
// POST /admin/verify with a pack: internal/export.Report.
export interface PackVerdict {
  id: string;
  log?: number; // absent when the receipt's claims could not be read
  site?: string;
  action?: string;
  ok: boolean;
  problems?: string[];
}
export interface PackReport {
  ok: boolean;
  problems?: string[];
  receipts: PackVerdict[];
  failed: number;
  checkpoint: { origin: string; size: number };
  // activations: the receipt keys' activations the pack proves (absent in
  // packs made before packs held them).
  keys?: { pinned: boolean; kids: string[]; log_key: string; activations?: { kid: string; log: number }[] };
  // removals: the tombstones that removed receipts of the pack's range (null
  // in packs made before packs held them).
  removals?: { id: string; log: number; reason: string; at: string; receipts: string[] }[] | null;
}
// POST /admin/verify with {"receipt": JWS}.
export interface ReceiptVerdict {
  ok: boolean;
  kid?: string;
  claims?: Record<string, unknown>;
  stored: boolean;
  error?: string;
}
// POST /admin/sites/{site}/visitors/{visitor}/erase.
export interface Erasure {
  erased: number;
  log: number;
  confirmation: string;
}
