/** The errors of login, sessions, users and tokens: a stable code, an HTTP status, and a message in English and Japanese. */

export class AuthError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly messageJa: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }

  /** The `ErrorBody` of the HTTP API. */
  body(): { code: string; message: string; messageJa: string } {
    return { code: this.code, message: this.message, messageJa: this.messageJa };
  }
}

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

/** Every error this room raises, in one place so that the wording stays consistent across store, plugin and routes. */
export const authErrors = {
  authRequired: (why = 'Please sign in.', whyJa = 'ログインしてください。') => new AuthError('AUTH_REQUIRED', 401, why, whyJa),
  forbidden: () => new AuthError('FORBIDDEN', 403, 'Your role may not do this.', 'この操作を行う権限がありません。'),
  csrf: () =>
    new AuthError(
      'CSRF',
      403,
      'The x-csrf-token header is missing or wrong; reload the page and try again.',
      'CSRF トークン（x-csrf-token ヘッダー）がないか正しくありません。ページを再読み込みしてやり直してください。',
    ),
  badCredentials: () => new AuthError('BAD_CREDENTIALS', 401, 'Wrong user name or password.', 'ユーザー名またはパスワードが違います。'),
  rateLimited: (seconds: number) =>
    new AuthError(
      'RATE_LIMITED',
      429,
      `Too many attempts; try again in ${seconds} s.`,
      `試行回数が多すぎます。${seconds} 秒後にもう一度お試しください。`,
    ),
  passwordTooShort: () =>
    new AuthError(
      'PASSWORD_TOO_SHORT',
      400,
      `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`,
      `パスワードは ${MIN_PASSWORD_LENGTH} 文字以上にしてください。`,
    ),
  passwordTooLong: () =>
    new AuthError(
      'PASSWORD_TOO_LONG',
      400,
      `The password must be at most ${MAX_PASSWORD_LENGTH} characters long.`,
      `パスワードは ${MAX_PASSWORD_LENGTH} 文字以内にしてください。`,
    ),
  usernameInvalid: () =>
    new AuthError(
      'USERNAME_INVALID',
      400,
      'A user name is 1 to 64 letters, digits or the signs . _ @ - (no spaces).',
      'ユーザー名は 1〜64 文字の英数字と記号 . _ @ - で指定してください（空白は使えません）。',
    ),
  userExists: (username: string) =>
    new AuthError('USER_EXISTS', 409, `The user ${username} already exists.`, `ユーザー ${username} は既に存在します。`),
  userNotFound: (username: string) =>
    new AuthError('USER_NOT_FOUND', 404, `There is no user ${username}.`, `ユーザー ${username} は存在しません。`),
  lastAdmin: () =>
    new AuthError(
      'LAST_ADMIN',
      409,
      'The last admin cannot be removed or given a lower role; make another user admin first.',
      '最後の管理者は削除・降格できません。先に別のユーザーを管理者にしてください。',
    ),
  roleInvalid: () =>
    new AuthError(
      'ROLE_INVALID',
      400,
      'The role must be viewer, operator, manager or admin.',
      'ロールは viewer・operator・manager・admin のいずれかです。',
    ),
  tokenKindInvalid: () =>
    new AuthError('TOKEN_KIND_INVALID', 400, 'A token is of kind api or kiosk.', 'トークンの種類は api か kiosk です。'),
  tokenNameInvalid: () =>
    new AuthError('TOKEN_NAME_INVALID', 400, 'A token name is 1 to 64 characters.', 'トークン名は 1〜64 文字で指定してください。'),
  tokenNotFound: (id: string) => new AuthError('TOKEN_NOT_FOUND', 404, `There is no token ${id}.`, `トークン ${id} は存在しません。`),
  kioskRole: () =>
    new AuthError(
      'KIOSK_ROLE',
      400,
      'A kiosk token is always read-only (role viewer).',
      'キオスク用トークンは常に閲覧のみ（viewer）です。',
    ),
  kioskLinkInvalid: () =>
    new AuthError(
      'KIOSK_LINK_INVALID',
      401,
      'This kiosk link is invalid or was revoked; ask an admin for a new one.',
      'このキオスク用リンクは無効か、取り消されています。管理者に新しいリンクを発行してもらってください。',
    ),
  setupDone: () =>
    new AuthError(
      'SETUP_DONE',
      409,
      'The kit already has users: sign in, or ask an admin for an account.',
      'このキットには既にユーザーがいます。ログインするか、管理者にアカウントを作成してもらってください。',
    ),
  setupCodeInvalid: () =>
    new AuthError(
      'SETUP_CODE_INVALID',
      401,
      'The setup code is wrong or has expired (a code lasts 1 hour; restarting the kit makes a new one).',
      'セットアップコードが違うか、期限切れです（有効期間は 1 時間。キットを再起動すると新しいコードが作られます）。',
    ),
};
