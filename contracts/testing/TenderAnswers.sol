// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TenderAnswers
/// @notice Testing only: a stand-in for the tender contract a shipment names, answering
/// `isDeliveryCounted` as a test sets it (counted, not counted), or as a hostile contract would
/// (reverting, burning all the gas it is given, answering with a megabyte, answering a non-bool).
contract TenderAnswers {
    enum Answer {
        NOT_COUNTED,
        COUNTED,
        REVERT,
        BURN_GAS,
        HUGE_ANSWER,
        NOT_A_BOOL
    }

    Answer public answer;

    function setAnswer(Answer answer_) external {
        answer = answer_;
    }

    function isDeliveryCounted(uint256, uint256) external view returns (bool) {
        Answer current = answer;
        if (current == Answer.REVERT) revert("TenderAnswers: refused");
        if (current == Answer.BURN_GAS) {
            uint256 spin;
            while (gasleft() > 1_000) ++spin;
            return spin == 0;
        }
        if (current == Answer.HUGE_ANSWER) {
            assembly {
                return(0, 1048576)
            }
        }
        if (current == Answer.NOT_A_BOOL) {
            assembly {
                mstore(0, 2)
                return(0, 32)
            }
        }
        return current == Answer.COUNTED;
    }
}
