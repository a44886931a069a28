/** ~1 KB of realistic tool arguments (with one email address for the redactor to find), shared by the instrumentation benchmarks. */
export const TOOL_ARGS_1KB = {
  to: 'ann.lee@example.com',
  subject: 'Quarterly invoice reminder for account 2026-Q4',
  body: 'Hello Ann,\n\nThis is a reminder that the invoice for the fourth quarter is due at the end of the month. '.repeat(7).slice(0, 820),
  cc: ['billing-team', 'accounts-receivable'],
  priority: 'normal',
  attachments: [{ name: 'invoice-2026-q4.pdf', bytes: 48211 }],
};
