import { describe, expect, it } from 'vitest';
import { DeviceConfirmPage, DeviceSuccessPage, UserCodePage } from './device.tsx';
import { renderPage } from './layout.tsx';

const EVIL = '<script>alert(1)</script>"\'&';

describe('device flow pages', () => {
  it('user code - a labelled user_code input, the xsrf value, a "Continue" button, posting to /device', () => {
    const html = renderPage(<UserCodePage productName="idsrv" action="/device" xsrf="abc123" />);
    expect(html.startsWith('<!DOCTYPE html><html lang="en">')).toBe(true);
    expect(html).toContain('<form method="post" action="/device">');
    expect(html).toContain('<input type="hidden" name="xsrf" value="abc123"/>');
    expect(html).toContain('<label for="user_code">Code</label>');
    expect(html).toMatch(/<input id="user_code" name="user_code" type="text" autocomplete="off"/);
    expect(html).toMatch(/<button type="submit" class="primary">Continue<\/button>/);
    expect(html).not.toContain('role="alert"');
    // Same focus order as the other pages, and nothing that needs JavaScript.
    expect(html).not.toContain('autofocus');
    expect(html).not.toContain('<script');
  });

  it('user code - an error is announced and tied to the input, and the typed code is kept', () => {
    const html = renderPage(
      <UserCodePage
        productName="idsrv"
        action="/device"
        xsrf="x"
        userCode="123"
        error="That code is not valid."
      />,
    );
    expect(html).toContain('<p class="error" role="alert" id="user-code-error">That code is not valid.</p>');
    expect(html).toContain('aria-describedby="user-code-error"');
    expect(html).toContain('value="123"');
  });

  it('confirm - the client, the code, and "Yes, continue" (confirm=yes) and "Cancel" (abort=yes) buttons', () => {
    const html = renderPage(
      <DeviceConfirmPage
        productName="idsrv"
        action="/device"
        xsrf="x"
        userCode="WDJB-MJHT"
        clientName="Living Room TV"
      />,
    );
    expect(html).toContain('<strong>Living Room TV</strong>');
    expect(html).toContain('<p class="user-code">WDJB-MJHT</p>');
    expect(html).toContain('<input type="hidden" name="user_code" value="WDJB-MJHT"/>');
    expect(html).toMatch(/<button[^>]*name="confirm" value="yes">Yes, continue<\/button>/);
    expect(html).toMatch(/<button[^>]*name="abort" value="yes">Cancel<\/button>/);
  });

  it('success - names the client, or speaks of the device without one', () => {
    expect(renderPage(<DeviceSuccessPage productName="idsrv" clientName="Living Room TV" />)).toContain(
      'Living Room TV is now signed in on your device.',
    );
    expect(renderPage(<DeviceSuccessPage productName="idsrv" />)).toContain('Your device is now signed in.');
  });

  it('every value from a request or a configuration is escaped', () => {
    const html = [
      renderPage(<UserCodePage productName={EVIL} action={EVIL} xsrf={EVIL} userCode={EVIL} error={EVIL} />),
      renderPage(
        <DeviceConfirmPage productName={EVIL} action={EVIL} xsrf={EVIL} userCode={EVIL} clientName={EVIL} />,
      ),
      renderPage(<DeviceSuccessPage productName={EVIL} clientName={EVIL} />),
    ].join('');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('"\'&');
    expect(html).toContain('&lt;script>alert(1)&lt;/script>');
  });
});
