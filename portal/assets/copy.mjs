// Copies the GOV.UK Frontend script, its images and our init.js into
// portal/static/ (build output). Fonts and the crest are left out; the
// portal's own favicon.svg replaces the GOV.UK crown icons in the pages.
import { copyFileSync, cpSync, mkdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const govuk = join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk')
const out = join(root, 'portal', 'static')
const skippedImages = new Set(['govuk-crest.svg'])

mkdirSync(out, { recursive: true })
copyFileSync(join(govuk, 'govuk-frontend.min.js'), join(out, 'govuk-frontend.min.js'))
copyFileSync(join(govuk, 'govuk-frontend.min.js.map'), join(out, 'govuk-frontend.min.js.map'))
cpSync(join(govuk, 'assets', 'images'), join(out, 'images'), {
  recursive: true,
  filter: (src) => !skippedImages.has(basename(src))
})
for (const file of ['init.js', 'agenda-order.js', 'people-picker.js', 'conditional-reveal.js', 'favicon.svg', 'print.css']) {
  copyFileSync(join(root, 'portal', 'assets', file), join(out, file))
}
