// Package dedup recognises the same email seen twice in different forms:
// a native message (parsed from RFC 5322 bytes) and a printed copy
// recovered from a PDF or OCR text, or several printed copies of one
// email in a release. Content hashes cannot do this: OCR changes
// characters, printouts re-wrap lines and drop the zone from the date,
// and printed chains carry different furniture.
//
// MatchPrinted pairs each printed candidate with the native message it
// is a copy of, or with none; ClusterPrinted groups printed copies of one
// email. Both compare the same four signals:
//
//   - sender: address (tolerating an OCR slip in it), display-name tokens
//     in any order, or a name against an address such as jreyes@ or
//     jonas.reyes@;
//   - date: the same instant when both zones are known; when a printed
//     date has no zone (model.DateLocal) the wall clock may be up to 14
//     hours off the instant, and a difference of whole hours (or, scoring
//     lower, half hours; the rare 15- and 45-minute zones are refused)
//     counts as agreement. Both sides showing seconds must agree to the
//     second, both without seconds to the minute, one of each within a
//     minute. A zoneless date at exactly midnight is taken for a date
//     without a time and never matches;
//   - subject: Re:/Fwd:/AW:/SV: prefixes removed, compared on an OCR
//     "skeleton" (0→o, 1/i/l/|→l, 5→s, rn→m, vv→w, punctuation dropped)
//     with character-bigram similarity;
//   - body: only the message's own text (quoted lines, "On … wrote:",
//     "-----Original Message-----", forwarded and Outlook header blocks
//     cut off), as skeleton words; 3-word shingles over the first
//     Options.MaxWords words, scored by containment of the smaller set,
//     and a character edit ratio for bodies too short to shingle.
//
// Every signal has a floor (a gate) and the weighted score must reach
// Options.MinScore, so a near miss in one signal cannot be made up by
// the others: the same sender and subject on another day, or a reply
// quoting the original, do not match.
//
// Candidates are only compared when they share a blocking key (a sender
// name or address token, or initial+surname) and their dates are within
// a day, found by binary search in per-key date-sorted lists, so the work
// grows with n log n and the number of same-sender messages per day, not
// with n². Messages without a date or without a sender never match.
//
// ClusterPrinted links the strongest pairs first and joins two groups
// only when no member of one contradicts a member of the other (dates
// that cannot be one instant, a reply against a forward), so a vague
// copy cannot chain two different messages into one group.
package dedup
