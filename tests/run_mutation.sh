#!/usr/bin/env bash
# Mutation testing of the modules behind the headline guarantees (docs/testing.md).
#
#   bash tests/run_mutation.sh            # the headline modules (see MUTANTS below)
#   bash tests/run_mutation.sh 'shared_services.events.sink*'   # one module
#
# Configuration: [tool.mutmut] in pyproject.toml. Results: `.venv/bin/mutmut results`
# (survivors), `.venv/bin/mutmut show <name>` (the diff of one mutant). Not part of .ci/run:
# it takes tens of minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -e '.[dev,mutation]'
MUTANTS=(
  'shared_services.events.sink.*'
  'shared_services.events.model.*'
  'shared_services.events.batch.*'
  'shared_services.events.buffer.*'
  'shared_services.processors.quality_mixin.*'
  'shared_services.processors.fallback_source_mixin.*'
  'shared_services.events.replay.*'
  'shared_services.commands.replay.*'
  'shared_services.alerts.dispatcher.*'
  'shared_services.alerts.dedup.*'
  'shared_services.quality.inheritance.*'
  'shared_services.quality.scoring.*'
  'shared_services.quality.nulls.*'
  'shared_services.quality.confidence.*'
  'shared_services.bigquery.rules.x_unfiltered_partition_tables*'
  'shared_services.bigquery.rules.x__read_tables*'
  'shared_services.bigquery.rules.x__satisfied*'
  'shared_services.bigquery.rules.x__qualifies*'
  'shared_services.bigquery.rules.x__filters_for*'
  'data_processors.source_coverage_audit.classify.*'
  # stop 27: the function allow list, the type checks and BigQuery's results on DuckDB
  'shared_services.bigquery.rules.x_check_functions*'
  'shared_services.bigquery.rules.x__temporary_functions*'
  'shared_services.bigquery.rules.x__written_name*'
  'shared_services.bigquery.rules.x__check_arithmetic*'
  'shared_services.bigquery.rules.x__check_numeric_aggregates*'
  'shared_services.bigquery.rules.x__check_set_operations*'
  'shared_services.bigquery.rules.x__set_operation_inputs*'
  'shared_services.bigquery.sql_translate.x__extract_parts*'
  'shared_services.bigquery.sql_translate.x__date_trunc_types*'
  'shared_services.bigquery.sql_translate.x__substr_positions*'
  'shared_services.bigquery.sql_translate.x__timestamp_diff_intervals*'
  'shared_services.bigquery.sql_translate.x__int64_casts*'
  'shared_services.bigquery.sql_translate.x__template*'
  # stop 28: INTERVAL results and operands
  'shared_services.bigquery.rules.x__interval_signature*'
  'shared_services.bigquery.rules.xǁ_TypeCheckerǁ_datetime_arithmetic_type*'
  'shared_services.bigquery.jobs.x_interval_value*'
  'shared_services.bigquery.jobs.x_fetch_duckdb_rows*'
  'shared_services.bigquery.jobs.x__check_int64*'
  'shared_services.bigquery.jobs.x__arrow_rows*'
  'shared_services.bigquery.rules.x_check_type_names*'
  'shared_services.bigquery.rules.x_string_json_calls*'
  'shared_services.bigquery.rules.x__cte_body*'
  'shared_services.bigquery.rules.xǁ_TypeCheckerǁ_derived_types*'
  'shared_services.bigquery.sql_translate.x__subscripts*'
  'shared_services.bigquery.sql_translate.x__json_conversions*'
  'shared_services.bigquery.sql_translate.x__conversions*'
  'shared_services.bigquery.sql_translate.x__timestamp_results*'
  'shared_services.bigquery.sql_translate.x_catalog_typed_statement*'
  'shared_services.bigquery.sql_translate.x__tag_json_calls*'
  'shared_services.bigquery.rules.x__check_subscripted*'
  'shared_services.bigquery.rules.x__check_orderable_groupable*'
  'shared_services.bigquery.sql_translate.x__array_agg_limits*'
  'shared_services.bigquery.sql_translate.x__unnested_struct_fields*'
  # stop 29: the flush's Arrow columns, the audit's rows, ALTER TABLE ADD COLUMN
  'shared_services.events.batch.xǁEventBatchǁ_arrow_columns*'
  'shared_services.events.batch.x__vetted_values*'
  'shared_services.events.batch.x__with_instants*'
  'data_processors.source_coverage_audit.processor.*'
  'shared_services.bigquery.rules.x_alter_added_columns*'
  'shared_services.bigquery.rules.x_alter_set_options*'
  'shared_services.bigquery.rules.x_check_statement_kinds*'
  # stop 30: MERGE's unqualified outer columns (check_merge covers the nulls module's helpers above)
  'shared_services.bigquery.rules.x_check_merge*'
  'shared_services.bigquery.rules.x__visible_columns*'
  'shared_services.bigquery.rules.x__relation_columns*'
  'shared_services.bigquery.rules.x__merge_columns*'
  'shared_services.bigquery.rules.x__refuse_correlated*'
  # stop 31: conditions, common supertypes, a set operation's date literals, date and integer casts
  'shared_services.bigquery.rules.x__check_conditions_and_calls*'
  'shared_services.bigquery.rules.x__check_supertyped*'
  'shared_services.bigquery.rules.x__supertyped_values*'
  'shared_services.bigquery.rules.x__clash*'
  'shared_services.bigquery.rules.x__bool_failure*'
  'shared_services.bigquery.rules.xǁ_TypeCheckerǁsupertype*'
  'shared_services.bigquery.rules.xǁ_TypeCheckerǁ_function_result_type*'
  'shared_services.bigquery.rules.x__set_operation_columns*'
  'shared_services.bigquery.rules.x__column_datetime_type*'
  'shared_services.bigquery.rules.x_set_literal_types*'
  'shared_services.bigquery.rules.x__check_coerced_literal*'
  'shared_services.bigquery.sql_translate.x__tag_set_literals*'
  'shared_services.bigquery.sql_translate.x__date_casts*'
  'shared_services.bigquery.sql_translate.x__int64_casts*'
  # stop 32: TIMESTAMP texts and zone arguments, number result types, window keys, STRUCT positions
  'shared_services.bigquery.sql_translate.x__readable_time_text*'
  'shared_services.bigquery.sql_translate.x__leap_second*'
  'shared_services.bigquery.sql_translate.x__text_branch*'
  'shared_services.bigquery.sql_translate.x__timestamp_calls*'
  'shared_services.bigquery.sql_translate.x__datetime_calls*'
  'shared_services.bigquery.sql_translate.x__offset_zones*'
  'shared_services.bigquery.sql_translate.x__window_errors*'
  'shared_services.bigquery.sql_translate.x__row_of*'
  'shared_services.bigquery.sql_translate.x__struct_positions*'
  'shared_services.bigquery.sql_translate.x__positional_struct*'
  'shared_services.bigquery.rules.xǁ_TypeCheckerǁ_numeric_result_type*'
  # stop 33: set-operation INSERTs, literal supertypes, CREATE ... AS names, anonymous labels,
  # PARSE / FORMAT elements, TIME casts, TRIM, TO_JSON_STRING, JSON converters, SAFE. checks
  'shared_services.bigquery.rules.x__query_columns*'
  'shared_services.bigquery.rules.x__common_supertype*'
  'shared_services.bigquery.rules.x_check_created_columns*'
  'shared_services.bigquery.rules.x__star_columns*'
  'shared_services.bigquery.sql_translate.x__parse_format_elements*'
  'shared_services.bigquery.sql_translate.x__format_elements*'
  'shared_services.bigquery.sql_translate.x__format_pieces*'
  'shared_services.bigquery.sql_translate.x__offset_text*'
  'shared_services.bigquery.sql_translate.x__time_casts*'
  'shared_services.bigquery.sql_translate.x__string_functions*'
  'shared_services.bigquery.sql_translate.x__anonymous_labels*'
  'shared_services.bigquery.sql_translate.x__not_emulated*'
  'shared_services.bigquery.sql_translate.x__non_volatile_errors*'
  'shared_services.bigquery.json_encoding.*'
)
if [ "$#" -gt 0 ]; then MUTANTS=("$@"); fi
export HYPOTHESIS_MAX_EXAMPLES="${HYPOTHESIS_MAX_EXAMPLES:-25}"
.venv/bin/mutmut run --max-children "${MUTMUT_CHILDREN:-2}" "${MUTANTS[@]}"
.venv/bin/mutmut results
