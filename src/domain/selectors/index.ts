export {
  everything,
  formatLabelSelectorObject,
  labelSelectorFromObject,
  nothing,
  parseLabelSelector,
  type LabelOperator,
  type LabelRequirement,
  type LabelSelector,
  type LabelSelectorExpression,
  type LabelSelectorObject,
} from './label-selector.js';
export {
  escapeFieldValue,
  fieldsOf,
  parseFieldSelector,
  type FieldOperator,
  type FieldRequirement,
  type FieldSelector,
} from './field-selector.js';
