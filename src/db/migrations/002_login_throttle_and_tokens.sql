-- Login throttling per (username, client address) with growing delays, instead of one counter per
-- username and one per address (which let an attacker lock a real user, or a whole office behind
-- one address, out). `address` '*' is the shared bucket of every address the user never logged in
-- from successfully: many addresses guessing one password share it, a familiar address does not.
CREATE TABLE app.login_throttle (
  username_key text NOT NULL,          -- lower(username), also for names that do not exist
  address text NOT NULL,
  failures integer NOT NULL,           -- attempts checked since the last success (counted before checking)
  blocked_until timestamptz,           -- no attempt is checked before this moment
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (username_key, address)
);

-- Addresses a user logged in from successfully: they keep working while strangers are throttled.
CREATE TABLE app.known_login_addresses (
  user_id uuid NOT NULL REFERENCES app.users (id) ON DELETE CASCADE,
  address text NOT NULL,
  last_success_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, address)
);

-- Failures are counted in login_throttle now; the old per-attempt log is no longer written.
DROP TABLE app.login_failures;
