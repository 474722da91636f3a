"""The pre-check (issue 18): §§ 25a, 25b AufenthG and § 10 StAG as dated rules, an evaluator
that applies the law in force on a day, and the public guided questions without an account."""
