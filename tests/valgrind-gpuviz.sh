#!/bin/sh
# Runs the gpuviz named by $GPUVIZ_REAL under valgrind memcheck: any memory error or leak makes
# the exit status 99 (scripts/test.sh runs the CLI suite through this).
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
  --show-leak-kinds=definite,indirect "$GPUVIZ_REAL" "$@"
