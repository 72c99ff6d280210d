import { Layout } from './layout.tsx';

/** What the user code page shows. */
export interface UserCodePageProps {
  productName: string;
  /** oidc-provider's code verification URL (`/device`), where the form posts. */
  action: string;
  /** oidc-provider's anti-CSRF value for the form. */
  xsrf: string;
  /** The code typed before an error, kept in the input. */
  userCode?: string | undefined;
  /** Why the last code was not accepted, or why the sign-in ended. */
  error?: string | undefined;
}

/**
 * "Connect a device": one labelled `user_code` input and a "Continue" button, posting to oidc-provider's code
 * verification endpoint. Works without JavaScript; no autofocus (the same focus order as the other pages).
 */
export function UserCodePage({ productName, action, xsrf, userCode, error }: UserCodePageProps) {
  return (
    <Layout title="Connect a device" productName={productName}>
      <h1>Connect a device</h1>
      <p class="muted">Enter the code shown on your device to sign it in.</p>
      {error ? (
        <p class="error" role="alert" id="user-code-error">
          {error}
        </p>
      ) : null}
      <form method="post" action={action}>
        <input type="hidden" name="xsrf" value={xsrf} />
        <label for="user_code">Code</label>
        <input
          id="user_code"
          name="user_code"
          type="text"
          autoComplete="off"
          autocapitalize="characters"
          spellcheck={false}
          required
          value={userCode ?? ''}
          aria-describedby={error ? 'user-code-error' : undefined}
        />
        <div class="actions">
          <button type="submit" class="primary">
            Continue
          </button>
        </div>
      </form>
    </Layout>
  );
}

/** What the device confirmation page shows. */
export interface DeviceConfirmPageProps {
  productName: string;
  /** oidc-provider's code verification URL (`/device`). */
  action: string;
  xsrf: string;
  /** The code as the device shows it (`123456789`, `WDJB-MJHT`). */
  userCode: string;
  /** The client's display name. */
  clientName: string;
}

/**
 * "Is this your device?": shows the code and the application, so that someone tricked into entering another person's
 * code (RFC 8628 §5.4, remote phishing) can still stop. "Yes, continue" goes on to sign-in and consent; "Cancel" ends
 * the device's request with `access_denied`.
 */
export function DeviceConfirmPage({
  productName,
  action,
  xsrf,
  userCode,
  clientName,
}: DeviceConfirmPageProps) {
  return (
    <Layout title="Confirm the device" productName={productName}>
      <h1>Confirm the device</h1>
      <p>
        <strong>{clientName}</strong> is asking to sign in on a device.
      </p>
      <p>Continue only if the device in front of you shows this code and you started this sign-in:</p>
      <p class="user-code">{userCode}</p>
      <form method="post" action={action}>
        <input type="hidden" name="xsrf" value={xsrf} />
        <input type="hidden" name="user_code" value={userCode} />
        <div class="actions">
          <button type="submit" class="primary" name="confirm" value="yes">
            Yes, continue
          </button>
          <button type="submit" class="secondary" name="abort" value="yes">
            Cancel
          </button>
        </div>
      </form>
    </Layout>
  );
}

/** What the device success page shows. */
export interface DeviceSuccessPageProps {
  productName: string;
  /** The client's display name, when known. */
  clientName?: string | undefined;
}

/** The end of the browser's part: the device gets its tokens on its next poll. */
export function DeviceSuccessPage({ productName, clientName }: DeviceSuccessPageProps) {
  return (
    <Layout title="Device connected" productName={productName}>
      <h1>Device connected</h1>
      <p role="status">
        {clientName ? `${clientName} is now signed in on your device.` : 'Your device is now signed in.'}
      </p>
      <p class="muted">You can close this page and return to your device.</p>
    </Layout>
  );
}
