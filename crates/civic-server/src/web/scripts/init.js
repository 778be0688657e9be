// Runs at the start of <body>, before anything is drawn: tells GOV.UK
// Frontend's styles that scripts run (and whether its modules can), so
// that components drawn for JavaScript never flash in their fallback form.
// It is a file, not an inline script, so the Content-Security-Policy can
// forbid inline scripts altogether.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
