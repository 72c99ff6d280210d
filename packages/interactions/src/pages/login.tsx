import { Layout } from './layout.tsx';

/** What the login page shows. */
export interface LoginPageProps {
  productName: string;
  /** Where the form posts (`/interaction/{uid}/login`). */
  action: string;
  /** The client's display name, when it has one. */
  clientName?: string | undefined;
  /** Prefilled username (the request's `login_hint`, or what was typed before an error). */
  username?: string | undefined;
  /** A message about the last attempt (wrong password, too many attempts). */
  error?: string | undefined;
}

/**
 * The sign-in form: `username` and `password` inputs with labels, the error (announced by screen readers), a
 * "Sign in" button and a "Cancel" button that ends the request with `access_denied`. Works without JavaScript.
 */
export function LoginPage({ productName, action, clientName, username, error }: LoginPageProps) {
  return (
    <Layout title="Sign in" productName={productName}>
      <h1>Sign in</h1>
      {clientName ? <p class="muted">to continue to {clientName}</p> : null}
      {error ? (
        <p class="error" role="alert" id="login-error">
          {error}
        </p>
      ) : null}
      <form method="post" action={action}>
        <label for="username">Username</label>
        <input
          id="username"
          name="username"
          type="text"
          autoComplete="username"
          autocapitalize="none"
          spellcheck={false}
          required
          value={username ?? ''}
          aria-describedby={error ? 'login-error' : undefined}
        />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          aria-describedby={error ? 'login-error' : undefined}
        />
        <div class="actions">
          <button type="submit" class="primary" name="action" value="login">
            Sign in
          </button>
          <button type="submit" class="secondary" name="action" value="cancel" formNoValidate>
            Cancel
          </button>
        </div>
      </form>
    </Layout>
  );
}
