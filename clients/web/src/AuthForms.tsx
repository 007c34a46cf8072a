// Sign-in and registration forms: labelled fields, errors announced to screen readers.
import { useMutation } from '@apollo/client/react';
import { useId, useState, type FormEvent } from 'react';
import { LoginDocument, RegisterDocument } from '../../generated/graphql';
import { describeError } from './errors';
import { navigate } from './router';
import { farewellMessage, signedIn } from './session';

function Field(props: {
  label: string;
  type?: string;
  value: string;
  onChange: (value: string) => void;
  autoComplete: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type={props.type ?? 'text'}
        value={props.value}
        required
        autoComplete={props.autoComplete}
        onChange={(event) => props.onChange(event.target.value)}
      />
    </div>
  );
}

export function SignInForm() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [login, { loading, error }] = useMutation(LoginDocument);
  const farewell = farewellMessage();
  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await login({ variables: { input: { email, password } } }).catch(() => null);
    if (result?.data) {
      signedIn(result.data.login);
      navigate('/');
    }
  }
  return (
    <form className="card auth" onSubmit={submit} aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in</h1>
      {farewell && (
        <p role="status" className="notice">
          {farewell}
        </p>
      )}
      <Field label="Email" type="email" value={email} onChange={setEmail} autoComplete="username" />
      <Field label="Password" type="password" value={password} onChange={setPassword} autoComplete="current-password" />
      {error && (
        <p role="alert" className="error">
          {describeError(error)}
        </p>
      )}
      <button type="submit" disabled={loading}>
        Sign in
      </button>
      <p>
        No account?{' '}
        <a
          href="/register"
          onClick={(event) => {
            event.preventDefault();
            navigate('/register');
          }}
        >
          Register
        </a>
      </p>
    </form>
  );
}

export function RegisterForm() {
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [register, { loading, error }] = useMutation(RegisterDocument);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await register({ variables: { input: { email, password, displayName } } }).catch(() => null);
    if (result?.data) {
      signedIn(result.data.register);
      navigate('/');
    }
  }
  return (
    <form className="card auth" onSubmit={submit} aria-labelledby="register-title">
      <h1 id="register-title">Create an account</h1>
      <Field label="Display name" value={displayName} onChange={setDisplayName} autoComplete="nickname" />
      <Field label="Email" type="email" value={email} onChange={setEmail} autoComplete="username" />
      <Field label="Password" type="password" value={password} onChange={setPassword} autoComplete="new-password" />
      {error && (
        <p role="alert" className="error">
          {describeError(error)}
        </p>
      )}
      <button type="submit" disabled={loading}>
        Register
      </button>
      <p>
        Have an account?{' '}
        <a
          href="/signin"
          onClick={(event) => {
            event.preventDefault();
            navigate('/signin');
          }}
        >
          Sign in
        </a>
      </p>
    </form>
  );
}
