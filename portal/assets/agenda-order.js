// The meeting page's discussion list: "Move up" and "Move down" buttons on each row, which
// move the row and renumber the order boxes, so the chair orders the whole list and saves it
// once. Progressive enhancement only: without this file the chair types the numbers.
const MODULE = '[data-module="portal-agenda-order"]'

function button (text, name, direction) {
  const made = document.createElement('button')
  made.type = 'button'
  made.className = 'portal-link-button portal-link-button--inline'
  made.dataset.agendaMove = direction
  made.append(text)
  const hidden = document.createElement('span')
  hidden.className = 'govuk-visually-hidden'
  hidden.textContent = ` ${name}`
  made.append(hidden)
  return made
}

function rowsOf (form) {
  return Array.from(form.querySelectorAll('tr[data-agenda-row]'))
}

function renumber (form) {
  rowsOf(form).forEach((row, index) => {
    const box = row.querySelector('[data-agenda-position]')
    if (box) box.value = String(index + 1)
  })
}

function move (form, row, direction, status) {
  const other = direction === 'up' ? row.previousElementSibling : row.nextElementSibling
  if (!other) return
  if (direction === 'up') other.before(row)
  else other.after(row)
  renumber(form)
  const rows = rowsOf(form)
  const name = row.querySelector('[data-agenda-name]')?.textContent ?? 'Provider'
  status.textContent = `${name} moved to ${rows.indexOf(row) + 1} of ${rows.length}. ` +
    'Save the order to keep it.'
  const again = row.querySelector(`[data-agenda-move="${direction}"]`)
  again?.focus()
}

export function initAgendaOrder (root = document) {
  root.querySelectorAll(MODULE).forEach((form) => {
    const status = document.createElement('p')
    status.className = 'govuk-visually-hidden'
    status.setAttribute('role', 'status')
    status.setAttribute('aria-live', 'polite')
    form.prepend(status)
    rowsOf(form).forEach((row) => {
      const box = row.querySelector('[data-agenda-position]')
      const name = row.querySelector('[data-agenda-name]')?.textContent ?? ''
      if (!box) return
      // One control a line: side by side they would crowd the provider's name (WCAG 2.5.8).
      const list = document.createElement('ul')
      list.className = 'govuk-list portal-nowrap govuk-!-margin-top-2 govuk-!-margin-bottom-0'
      for (const [text, direction] of [['Move up', 'up'], ['Move down', 'down']]) {
        const item = document.createElement('li')
        item.append(button(text, name, direction))
        list.append(item)
      }
      box.after(list)
    })
    form.addEventListener('click', (event) => {
      const pressed = event.target.closest('[data-agenda-move]')
      if (!pressed) return
      event.preventDefault()
      move(form, pressed.closest('tr'), pressed.dataset.agendaMove, status)
    })
  })
}
