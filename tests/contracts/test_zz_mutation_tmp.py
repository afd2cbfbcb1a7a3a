from tests.contracts.test_payment_token import *  # noqa
