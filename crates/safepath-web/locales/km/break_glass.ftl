# Machine-assisted translation, not yet reviewed by a native speaker.
nav-break-glass = ចូលប្រើបន្ទាន់
break-glass-intro = សម្រាប់ករណីបន្ទាន់តែប៉ុណ្ណោះ៖ អ្នកនឹងអានកំណត់ត្រាដែលជាធម្មតាអ្នកមិនត្រូវបានអនុញ្ញាតឱ្យមើល។ មូលហេតុរបស់អ្នកត្រូវបានបិទត្រាក្នុងកំណត់ត្រាសវនកម្ម ហើយអ្នកសម្របសម្រួលនៃករណីត្រូវបានជូនដំណឹងភ្លាមៗ។
break-glass-reference = លេខយោងនៃករណី (ឧទាហរណ៍ SP-2026-ABCD-EFGH)
break-glass-admins-only = មានតែអ្នកគ្រប់គ្រងប្រព័ន្ធទេដែលអាចចូលប្រើបន្ទាន់បាន។
break-glass-error-reason_required = សូមសរសេរមូលហេតុយ៉ាងហោចណាស់ 15 តួអក្សរ (ដោយមិនសរសេរឈ្មោះបុគ្គលនោះ)។
break-glass-error-reference_required = សូមសរសេរលេខយោងនៃករណី។
break-glass-error-reference_unknown = គ្មានករណីណាមានលេខយោងនេះទេ។ សូមពិនិត្យជាមួយអ្នកដែលបានផ្តល់វាឱ្យអ្នក។
