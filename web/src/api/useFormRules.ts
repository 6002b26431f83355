// `useFormRules(endpoints.x)`: a form's rules from the server's schema of that operation's body
// (form-rules.ts), and its failed submission shown on the fields the server names. The OpenAPI
// document is fetched once per session (TanStack Query, never stale); until it arrives a form has
// no client-side rules and the server still decides.

import { useQuery } from '@tanstack/react-query';
import type { FormInstance, FormRule } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../app/errors';
import { call } from './client';
import { type Endpoint, openApiDocument } from './endpoints';
import { bodySchemaOf, fieldErrorsOf, rulesOf, type Translate } from './form-rules';

export function useOpenApiDocument() {
  return useQuery({
    queryKey: ['openapi'],
    queryFn: () => call(openApiDocument),
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: Number.POSITIVE_INFINITY,
  });
}

export interface FormRules {
  /** The rules of body property `name`, their messages naming its label. */
  rules(name: string): FormRule[];
  /**
   * Shows a failed call's validation problems on the form's fields; false when the error names
   * none of them (show it elsewhere then).
   */
  showServerErrors(form: FormInstance, error: unknown): boolean;
}

/** `labels`: the form's fields (body property → its label, as the form shows it). */
export function useFormRules<P, Q, B, R>(
  endpoint: Endpoint<P, Q, B, R>,
  labels: Record<string, string>,
): FormRules {
  const { t } = useTranslation();
  const document = useOpenApiDocument();
  const body = useMemo(
    () =>
      document.data
        ? bodySchemaOf(document.data, endpoint as Endpoint<unknown, unknown, unknown, unknown>)
        : undefined,
    [document.data, endpoint],
  );
  return {
    rules: (name) => rulesOf(body, name, labels[name] ?? name, t as Translate),
    showServerErrors: (form, error) => {
      const fields = fieldErrorsOf(error, labels, t as Translate, (e) => errorText(e, t));
      if (fields.length > 0) form.setFields(fields);
      return fields.length > 0;
    },
  };
}
