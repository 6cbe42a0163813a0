import { useState } from 'preact/hooks';
import { ApiError, api, type FieldIssue, must } from '../api/client';
import { ErrorNote, Page } from '../components/Page';
import { href, navigate } from '../router';
import { announce, signedIn } from '../store';

/** Only a page of this store may be where sign-in leads (never another site). */
const safeNext = (next: string | null) => (next && /^\/[a-z0-9/-]*$/i.test(next) ? next : '/');

export function SignInPage({ mode, next }: { mode: 'signin' | 'register'; next: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [busy, setBusy] = useState(false);
  const register = mode === 'register';
  const title = register ? 'Create an account' : 'Sign in';

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    setIssues([]);
    try {
      const body = { email, password };
      const session = must(
        register ? await api.POST('/auth/register', { body }) : await api.POST('/auth/login', { body }),
      );
      await signedIn(session.token, email.toLowerCase());
      announce(register ? 'Your account is ready. You are signed in.' : 'You are signed in.');
      navigate(`#${safeNext(next)}`);
    } catch (err) {
      if (err instanceof ApiError) {
        setError(err.status === 401 ? 'That email and password do not match an account.' : err.message);
        setIssues(err.issues);
      } else setError('Could not reach the store. Try again.');
    } finally {
      setBusy(false);
    }
  };

  const issue = (field: string) => issues.find((i) => i.path === field)?.message;
  const emailIssue = issue('email');
  const passwordIssue = issue('password');
  return (
    <Page title={title}>
      <form class="stack narrow" onSubmit={submit} noValidate={false}>
        {error && <ErrorNote message={error} />}
        <label for="email">Email</label>
        <input
          id="email"
          type="email"
          autocomplete="email"
          required
          value={email}
          aria-invalid={emailIssue ? true : undefined}
          aria-describedby={emailIssue ? 'email-issue' : undefined}
          onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
        />
        {emailIssue && (
          <p id="email-issue" class="error small">
            {emailIssue}
          </p>
        )}
        <label for="password">Password</label>
        <input
          id="password"
          type="password"
          autocomplete={register ? 'new-password' : 'current-password'}
          required
          minLength={register ? 8 : undefined}
          value={password}
          aria-invalid={passwordIssue ? true : undefined}
          aria-describedby={register ? 'password-hint' : undefined}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
        {register && (
          <p id="password-hint" class="muted small">
            {passwordIssue ?? 'At least 8 characters.'}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Please wait…' : title}
        </button>
      </form>
      <p>
        {register ? (
          <>
            Already have an account? <a href={href('/signin', { next })}>Sign in</a>
          </>
        ) : (
          <>
            New here? <a href={href('/register', { next })}>Create an account</a>
          </>
        )}
      </p>
    </Page>
  );
}
