import { clientSettings, formatUserCode } from '@idsrv/provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { DeviceConfirmPage, DeviceSuccessPage, UserCodePage } from './pages/device.tsx';
import { renderPage } from './pages/layout.tsx';
import { sendPage } from './security-headers.ts';

/** The messages the user code page shows, by what went wrong. */
export const DEVICE_MESSAGES = {
  /** Unknown code, or nothing typed. */
  invalid: 'That code is not valid. Check the code shown on your device and try again.',
  expired: 'That code has expired. Start again on your device to get a new one.',
  used: 'That code has already been used. Start again on your device to get a new one.',
  aborted: 'The sign-in was cancelled. Start again on your device if you want to connect it.',
  /** Anything else (an expired form, a stale anti-CSRF value…). */
  failed: 'The request could not be completed. Enter the code again.',
} as const;

// oidc-provider's re-render errors (lib/helpers/re_render_errors.js), by class name.
const CODE_ERRORS: Record<string, { message: string; status: number }> = {
  NoCodeError: { message: DEVICE_MESSAGES.invalid, status: 400 },
  NotFoundError: { message: DEVICE_MESSAGES.invalid, status: 400 },
  ExpiredError: { message: DEVICE_MESSAGES.expired, status: 400 },
  AlreadyUsedError: { message: DEVICE_MESSAGES.used, status: 400 },
  AbortedError: { message: DEVICE_MESSAGES.aborted, status: 200 },
};

interface SessionState {
  state?: { secret?: string };
}

// oidc-provider puts a fresh anti-CSRF value in the session before it asks for either form.
const xsrfOf = (ctx: KoaContextWithOIDC) =>
  String((ctx.oidc.session as unknown as SessionState | undefined)?.state?.secret ?? '');

/**
 * oidc-provider's `features.deviceFlow.userCodeInputSource`: the "Connect a device" page at `/device`, also shown
 * again with a message when a code is wrong, expired or used (400) or the user cancelled (200) — never a 500.
 */
export function userCodeInputSource(productName: string) {
  return async (
    ctx: KoaContextWithOIDC,
    _form: string,
    out?: { error: string; error_description?: string },
    err?: Error & { userCode?: string },
  ): Promise<void> => {
    const known = err ? CODE_ERRORS[err.name] : undefined;
    const message = known?.message ?? (out || err ? DEVICE_MESSAGES.failed : undefined);
    sendPage(
      ctx,
      renderPage(
        <UserCodePage
          productName={productName}
          action={ctx.oidc.urlFor('code_verification')}
          xsrf={xsrfOf(ctx)}
          userCode={err?.userCode}
          error={message}
        />,
      ),
      known?.status,
    );
  };
}

/**
 * oidc-provider's `userCodeConfirmSource`: "Confirm the device", with the code in the client's `UserCodeType` form
 * (oidc-provider formats it with one server-wide mask, which per-client types make wrong).
 */
export function userCodeConfirmSource(productName: string) {
  return async (
    ctx: KoaContextWithOIDC,
    _form: string,
    client: unknown,
    _deviceInfo: unknown,
    userCode: string,
  ) => {
    const settings = clientSettings(client);
    const stored = (ctx.oidc.entities.DeviceCode as { userCode?: string } | undefined)?.userCode;
    sendPage(
      ctx,
      renderPage(
        <DeviceConfirmPage
          productName={productName}
          action={ctx.oidc.urlFor('code_verification')}
          xsrf={xsrfOf(ctx)}
          userCode={stored ? formatUserCode(stored, settings.userCodeType) : userCode}
          clientName={settings.clientName ?? settings.clientId}
        />,
      ),
    );
  };
}

/** oidc-provider's `successSource`: "Device connected", once the user has signed in and consented. */
export function deviceSuccessSource(productName: string) {
  return async (ctx: KoaContextWithOIDC): Promise<void> => {
    const client = ctx.oidc.client;
    const settings = client ? clientSettings(client) : undefined;
    sendPage(
      ctx,
      renderPage(
        <DeviceSuccessPage
          productName={productName}
          clientName={settings?.clientName ?? settings?.clientId}
        />,
      ),
    );
  };
}
