// The avatar goes straight to S3 with the form the API returned, never through the service.
// XMLHttpRequest rather than fetch: only it reports upload progress. S3 answers a refusal with an
// XML error (EntityTooLarge, AccessDenied...), which becomes a sentence for the person.
import type { AvatarUpload } from '../../client/index.js'

export class UploadFailure extends Error {
  constructor(message: string, readonly code: string | undefined) {
    super(message)
    this.name = 'UploadFailure'
  }
}

/** 5 MB, 200 KB: sizes as people read them. */
export const readableSize = (bytes: number) => (bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KB` : `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`)

/** The file checks the page makes before anything is sent; undefined when the file fits. */
export function fileProblem(file: File, allowedTypes: readonly string[], maxBytes: number): string | undefined {
  if (!allowedTypes.includes(file.type)) {
    return `${file.name} is ${file.type === '' ? 'of an unknown type' : file.type}; the avatar must be one of: ${allowedTypes.join(', ')}.`
  }
  if (file.size === 0) return `${file.name} is empty.`
  if (file.size > maxBytes) return `${file.name} is ${readableSize(file.size)}; the avatar may be at most ${readableSize(maxBytes)}.`
  return undefined
}

function storageRefusal(status: number, xml: string, maxBytes: number): UploadFailure {
  const document = new DOMParser().parseFromString(xml, 'application/xml')
  const code = document.querySelector('Error > Code')?.textContent ?? undefined
  const detail = document.querySelector('Error > Message')?.textContent ?? ''
  const explained: Record<string, string> = {
    EntityTooLarge: `Storage refused the image: it is larger than the ${readableSize(maxBytes)} allowed.`,
    EntityTooSmall: 'Storage refused the image: it is empty.',
    AccessDenied: /expired/i.test(detail) ? 'Storage refused the upload: its form has expired. Try again to get a fresh one.' : 'Storage refused the upload (access denied).',
  }
  const sentence = (code && explained[code]) ?? 'Storage refused the upload.'
  const said = [code, detail].filter((part) => part !== undefined && part !== '').join(': ')
  return new UploadFailure(`${sentence} (HTTP ${status}${said === '' ? '' : `, ${said}`})`, code)
}

/** Uploads the file with the form, reporting progress from 0 to 1; rejects with an UploadFailure. */
export function uploadAvatar(upload: AvatarUpload, file: File, onProgress: (fraction: number) => void): Promise<void> {
  const form = new FormData()
  // The fields exactly as given, the file last: S3 ignores anything after the file.
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value)
  form.append('file', file)
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest()
    request.open(upload.method, upload.url)
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total)
    })
    request.addEventListener('load', () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(1)
        resolve()
      } else {
        reject(storageRefusal(request.status, request.responseText, upload.max_bytes))
      }
    })
    // No status at all: the connection failed, or the browser withheld the answer because the
    // bucket does not allow this page's origin (CORS).
    request.addEventListener('error', () => {
      reject(new UploadFailure(`The image could not be sent to storage at ${new URL(upload.url).origin}: the connection failed, or the storage does not accept uploads from this page (CORS).`, undefined))
    })
    request.send(form)
  })
}
