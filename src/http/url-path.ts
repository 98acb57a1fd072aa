// The path of a request URL without its query string, which may carry what logs and problem
// details must not repeat (cursors, e-mail addresses in a search).
export const withoutQuery = (url: string): string => url.replace(/\?.*$/s, '')
