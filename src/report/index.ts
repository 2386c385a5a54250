/** The experiment report: Markdown, self-contained HTML with charts, a LaTeX table, results.jsonl. */
export { writeReport, parseResultsJsonl, sortResults, type WriteReportOptions } from './write';
export { renderLatexTable, escapeLatex, type LatexTableOptions } from './latex';
export { parseReportInput } from './schema';
export { lineDiff, sentenceDiff, splitSentences, type DiffLine } from './line-diff';
export { redactSecrets } from './redact';
export { SIMULATED_BANNER } from './document';
export * from './format';
export { summarizeResults, type ResultsSummary, type SummaryOptions } from '../core/stats';
export type * from './types';
export { reportInputFrom, writeReportFromSources, loadProblemResults, loadTeacherRecords, reportDirFor, summaryKeys, readReportSources } from './sources';
export { writeExport, writeTeacherExport, teacherJsonl, exportTables, parseCsv, toCsv, toJsonl, EXPORT_FORMATS, TEACHER_FORMAT, type ExportFormat, type Table, type TeacherRecord } from './export';
export { primaryComparison } from './answer';
export { publishReport, fetchReport } from './publish';
