// The five built-in roles of Custos and what each is for (least privilege: a route lists who may call it).

export const ROLES = ['admin', 'data_engineer', 'compliance_officer', 'analyst', 'auditor'] as const;

export type Role = (typeof ROLES)[number];

export const ALL_ROLES: readonly Role[] = ROLES;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
