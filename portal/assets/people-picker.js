// Choosing people (the recipients of a TLP:RED item) by name and agency: the page's multiple
// select, grouped by agency, becomes a text box that suggests people as one types (the ARIA
// combobox pattern: arrow keys move through the suggestions, Enter chooses, Escape closes) and
// a list of the people chosen, each with a "Remove" button. The select stays in the form,
// hidden, and is what is sent. Progressive enhancement only: without this file the select is
// used as it is.
const MODULE = '[data-module="portal-people-picker"]'
const MOST_SHOWN = 20
const INACTIVE = ' (can no longer sign in)'

let pickers = 0

function element (tag, className, text) {
  const made = document.createElement(tag)
  if (className) made.className = className
  if (text) made.textContent = text
  return made
}

function peopleOf (select) {
  return Array.from(select.options).map((option) => {
    const agency = option.parentElement.tagName === 'OPTGROUP' ? option.parentElement.label : ''
    const name = option.textContent.trim()
    return {
      option,
      name,
      agency,
      active: !name.endsWith(INACTIVE),
      words: `${name} ${agency}`.toLowerCase()
    }
  })
}

function matches (person, query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  return words.every((word) => person.words.includes(word))
}

function initPicker (group) {
  const select = group.querySelector('select[multiple]')
  const label = group.querySelector('label')
  if (!select || !label) return
  const number = ++pickers
  const fieldId = select.id
  const people = peopleOf(select)

  // The text box takes the field's id, so the label and the error summary's link land on it.
  select.id = `${fieldId}-select`
  select.hidden = true
  select.setAttribute('aria-hidden', 'true')
  select.tabIndex = -1
  group.querySelector('[data-people-picker-no-js]')?.remove()

  const hint = element('div', 'govuk-hint', 'Type part of a name or an agency, then choose the ' +
    'person from the list with the arrow keys and Enter, or by clicking. Choose as many as you need.')
  hint.id = `${fieldId}-picker-hint`
  const chosenHeading = element('p', 'govuk-body govuk-!-margin-bottom-1')
  chosenHeading.id = `${fieldId}-chosen-heading`
  const chosenList = element('ul', 'govuk-list portal-people-picker__chosen')
  chosenList.setAttribute('aria-labelledby', chosenHeading.id)
  const wrapper = element('div', 'portal-people-picker')
  const input = element('input', 'govuk-input portal-people-picker__input')
  const menu = element('ul', 'portal-people-picker__menu')
  const status = element('div', 'govuk-visually-hidden')

  input.id = fieldId
  input.type = 'text'
  input.autocomplete = 'off'
  input.spellcheck = false
  input.setAttribute('role', 'combobox')
  input.setAttribute('aria-autocomplete', 'list')
  input.setAttribute('aria-expanded', 'false')
  menu.id = `${fieldId}-suggestions-${number}`
  menu.setAttribute('role', 'listbox')
  menu.setAttribute('aria-label', 'People who match')
  menu.hidden = true
  input.setAttribute('aria-controls', menu.id)
  const describedBy = (select.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
  input.setAttribute('aria-describedby', [...describedBy, hint.id].join(' '))
  status.setAttribute('role', 'status')
  status.setAttribute('aria-live', 'polite')
  if (select.classList.contains('govuk-select--error')) input.classList.add('govuk-input--error')
  label.htmlFor = fieldId

  wrapper.append(input, menu)
  select.after(chosenHeading, chosenList, hint, wrapper, status)

  let shown = []
  let active = -1

  function chosen () {
    return people.filter((person) => person.option.selected)
  }

  function renderChosen () {
    const list = chosen()
    chosenHeading.textContent = list.length
      ? `Chosen (${list.length}):`
      : 'No one chosen yet: only you will be able to read it.'
    chosenList.replaceChildren(...list.map((person) => {
      const item = element('li', 'portal-people-picker__person')
      const who = element('span', '', person.agency ? `${person.name}, ${person.agency}` : person.name)
      const remove = element('button', 'portal-link-button portal-link-button--inline', 'Remove')
      remove.type = 'button'
      remove.append(element('span', 'govuk-visually-hidden', ` ${person.name}`))
      remove.addEventListener('click', () => {
        person.option.selected = false
        renderChosen()
        status.textContent = `${person.name} removed. ${count()}`
        input.focus()
      })
      item.append(who, ' ', remove)
      return item
    }))
  }

  function count () {
    const n = chosen().length
    return n === 1 ? '1 person chosen.' : `${n} people chosen.`
  }

  function close () {
    menu.hidden = true
    input.setAttribute('aria-expanded', 'false')
    input.removeAttribute('aria-activedescendant')
    active = -1
  }

  function highlight (index) {
    active = index
    Array.from(menu.children).forEach((option, i) => {
      option.setAttribute('aria-selected', i === index ? 'true' : 'false')
      option.classList.toggle('portal-people-picker__option--active', i === index)
    })
    const current = menu.children[index]
    if (current) {
      input.setAttribute('aria-activedescendant', current.id)
      current.scrollIntoView({ block: 'nearest' })
    } else {
      input.removeAttribute('aria-activedescendant')
    }
  }

  function choose (person) {
    person.option.selected = true
    input.value = ''
    close()
    renderChosen()
    status.textContent = `${person.name}, ${person.agency}, added. ${count()}`
    input.focus()
  }

  function suggest () {
    const query = input.value.trim()
    const candidates = people.filter((p) => p.active && !p.option.selected && matches(p, query))
    shown = candidates.slice(0, MOST_SHOWN)
    menu.replaceChildren(...shown.map((person, index) => {
      const option = element('li', 'portal-people-picker__option', person.name)
      option.id = `${menu.id}-${index}`
      option.setAttribute('role', 'option')
      option.setAttribute('aria-selected', 'false')
      if (person.agency) {
        option.append(element('span', 'portal-people-picker__agency', person.agency))
        option.setAttribute('aria-label', `${person.name}, ${person.agency}`)
      }
      // mousedown, not click: the text box keeps the focus.
      option.addEventListener('mousedown', (event) => {
        event.preventDefault()
        choose(person)
      })
      return option
    }))
    if (!shown.length) {
      menu.append(element('li', 'portal-people-picker__none', query
        ? 'No one who can sign in matches. Check the spelling.'
        : 'Everyone has been chosen.'))
    }
    menu.hidden = false
    input.setAttribute('aria-expanded', 'true')
    highlight(-1)
    const more = candidates.length - shown.length
    status.textContent = shown.length
      ? `${candidates.length} ${candidates.length === 1 ? 'person matches' : 'people match'}` +
        (more > 0 ? `, the first ${shown.length} shown` : '') + '.'
      : 'No one matches.'
  }

  input.addEventListener('input', suggest)
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      if (menu.hidden) suggest()
      if (!shown.length) return
      const step = event.key === 'ArrowDown' ? 1 : -1
      highlight(active === -1 && step < 0 ? shown.length - 1 : (active + step + shown.length) % shown.length)
    } else if (event.key === 'Enter') {
      // Enter chooses a person; it never sends the form from this box.
      event.preventDefault()
      if (!menu.hidden && active >= 0 && shown[active]) choose(shown[active])
      else if (!menu.hidden && shown.length === 1) choose(shown[0])
    } else if (event.key === 'Escape') {
      if (!menu.hidden) {
        event.preventDefault()
        close()
      }
    }
  })
  input.addEventListener('blur', close)
  renderChosen()
}

export function initPeoplePicker (root = document) {
  root.querySelectorAll(MODULE).forEach(initPicker)
}
