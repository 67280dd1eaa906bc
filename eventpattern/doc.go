// Package eventpattern is the pure core of EventBridge rules: it matches
// JSON events against event patterns and turns a matched event into a
// target's input (InputPath, Input, InputTransformer), as Amazon
// EventBridge documents them.
//
// A pattern is compiled once (Parse) into a plain value whose Match does
// no I/O and allocates nothing for the common cases; events are values of
// the value package (value.Parse). Patterns EventBridge refuses are
// refused here with an *Error whose Code is InvalidEventPatternException.
//
// Matching, as EventBridge does it:
//
//   - A pattern is an object. A member whose value is an object descends
//     into the event's field of that name; a member whose value is an
//     array is a leaf: the event's field matches if any of the array's
//     matchers matches any of the field's values.
//   - An event field that is an array offers each of its elements as a
//     value (nested arrays are flattened); an object inside an array is
//     descended into like an object, each element on its own, so that all
//     the members of a nested pattern must match within one element.
//   - Members are ANDed; "$or" takes two or more patterns, any of which
//     must match at the level where it stands.
//   - Exact values compare by type: "5" never matches 5, null never
//     matches "". Numbers compare by value (5 matches 5.0 and 5e0) within
//     ±5.0e9, the range EventBridge compares numbers in, and by their
//     literal text beyond it (account numbers).
//   - exists only looks at leaves: a field whose value is an object or an
//     empty array does not exist for it; a field whose value is null does.
//   - Matchers other than exists:false need the field: anything-but never
//     matches a missing field.
//
// Refused (InvalidEventPatternException): a pattern that is not an object,
// empty objects and empty arrays, leaf values outside an array, unknown
// operators, operators with more than one key, numeric expressions other
// than one comparison or a lower then an upper bound, numbers beyond
// ±5.0e9 in numeric and anything-but, mixed anything-but lists, "$or"
// with fewer than two objects or with operator names as field names,
// malformed wildcards and CIDR blocks, patterns longer than
// MaxPatternLength or nested deeper than MaxDepth. Wildcards are matched
// greedily, in time linear in the text for each literal part, so no
// pattern is refused as too complex for them.
package eventpattern
