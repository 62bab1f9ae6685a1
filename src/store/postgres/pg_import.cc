// PostgresStore::BeginImport: TEMPORARY STUB (P1 fills it).
#include "store/postgres/pg_store_impl.h"

namespace batchcall {

Result<std::unique_ptr<BatchImport>> PostgresStore::BeginImport(const Batch&) {
  return Internal("not implemented");
}

}  // namespace batchcall
