// The GOV.UK conditional reveal for radios (a panel of questions under the choice it belongs
// to, shown only while that choice is made), without GOV.UK Frontend's aria-expanded on the
// radio: ARIA does not allow it there (axe-core's aria-allowed-attr; govuk-frontend issue
// #979), and the panel follows its radio, so it is met next in reading order. The radio names
// its panel with aria-controls. Progressive enhancement only: without this file (or without
// JavaScript) every panel is shown, since GOV.UK Frontend hides the --hidden ones only once
// its script runs.
const MODULE = '[data-module="portal-conditional-radios"]'
const HIDDEN = 'govuk-radios__conditional--hidden'

function sync (group) {
  group.querySelectorAll('input[type="radio"][aria-controls]').forEach((radio) => {
    const panel = document.getElementById(radio.getAttribute('aria-controls'))
    panel?.classList.toggle(HIDDEN, !radio.checked)
  })
}

export function initConditionalReveal (root = document) {
  root.querySelectorAll(MODULE).forEach((group) => {
    group.addEventListener('change', () => sync(group))
    sync(group)
  })
}
