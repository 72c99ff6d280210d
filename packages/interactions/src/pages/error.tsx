import { Layout } from './layout.tsx';

/** What the error page shows: the OAuth error code and its description, both escaped. */
export interface ErrorPageProps {
  productName: string;
  error: string;
  description?: string | undefined;
}

/** Shown when a request cannot be sent back to the client (unknown client, wrong redirect URI, expired login…). */
export function ErrorPage({ productName, error, description }: ErrorPageProps) {
  return (
    <Layout title="Error" productName={productName}>
      <h1>Sorry, there was an error</h1>
      <p class="error" role="alert">
        <strong>{error}</strong>
        {description ? `: ${description}` : null}
      </p>
      <p class="muted">Go back to the application and try again.</p>
    </Layout>
  );
}
