-- AlterTable
ALTER TABLE "session_message" ADD COLUMN     "cost_usd" DECIMAL(14,6);

