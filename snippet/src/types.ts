// The shapes of the config the server inlines (internal/consent/config.go)
// and of the decision the snippet posts. Types only: nothing here is bundled.

export interface Purpose {
  id: string;
  required?: boolean;
  cookies?: string[];
}

export interface Texts {
  title: string;
  description: string;
  accept_all: string;
  reject_all: string;
  customize: string;
  save: string;
  close?: string;
  privacy_policy?: string;
  gpc_notice?: string;
  purposes: Record<string, { title: string; description?: string }>;
}

export interface Look {
  layout: "box" | "bar";
  position: "bottom" | "top" | "bottom-left" | "bottom-right";
  background: string;
  text: string;
  accent: string;
}

export interface Config {
  version: string; // short form: the first 16 hex digits of the config hash
  site: string;
  purposes: Purpose[];
  default_lang: string;
  texts: Record<string, Texts>;
  look: Look;
  lifetime_days: number;
  privacy_policy_url?: string;
}

/** Every purpose id of the site → granted. */
export type Choices = Record<string, boolean>;

export type Action = "accept_all" | "reject_all" | "custom" | "withdraw" | "gpc";

/** The body of POST /api/v1/consents. */
export interface Decision {
  id: string; // the decision's own: a retry sends it again, so the server records it once
  site: string;
  visitor: string;
  action: Action;
  choices: Choices;
  config: string;
  lang: string;
  url: string;
}
