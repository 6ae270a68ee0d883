// Progressive enhancement only: every page works without this file.
// Loaded as an ES module (no inline scripts: the CSP forbids them), so it only
// runs in browsers that GOV.UK Frontend supports.
import { initAll } from './govuk-frontend.min.js'
import { initAgendaOrder } from './agenda-order.js'
import { initConditionalReveal } from './conditional-reveal.js'
import { initPeoplePicker } from './people-picker.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
initAgendaOrder()
initConditionalReveal()
initPeoplePicker()
