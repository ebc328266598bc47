import sys

from benchmarks.strict import strict

strict()

from benchmarks.run import main  # noqa: E402 - after strict(): imports may warn too

sys.exit(main())
