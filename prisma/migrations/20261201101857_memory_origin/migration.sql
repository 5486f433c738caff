-- AlterTable
ALTER TABLE "memory_entry" ADD COLUMN     "origin" TEXT;

-- AlterTable
ALTER TABLE "memory_entry_version" ADD COLUMN     "origin" TEXT;

